export * from './mlops-platform-stack';
export * from './registry/model-registry';
export * from './shared/platform-directory';
export * from './shared/platform-function';
