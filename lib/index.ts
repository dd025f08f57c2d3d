export * from './mlops-platform-stack';
export * from './experiments/experiment-tracking';
export * from './experiments/experiments-dashboard';
export * from './registry/model-registry';
export * from './shared/platform-capability';
export * from './shared/platform-directory';
export * from './shared/platform-function';
export * from './shared/platform-table';
