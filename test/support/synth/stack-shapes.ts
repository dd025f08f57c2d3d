import { Duration } from 'aws-cdk-lib';
import type { MlopsPlatformStackProps } from '../../../lib';

/**
 * The platform stack shapes synth tests share. The synth project's global setup synthesizes each once per
 * run (test/support/synth/global-setup.ts); tests read them with `shapeTemplate(shape)`.
 */
export const STACK_SHAPES = {
  default: {},
  'customer-managed-key': { customerManagedKey: true },
  // One monitored model, as a deployer declares it.
  monitors: { monitors: [{ monitorName: 'churn-prod', model: 'churn', alias: 'production', schedule: Duration.minutes(15), minRecords: 50 }] },
} satisfies Record<string, MlopsPlatformStackProps>;

export type StackShape = keyof typeof STACK_SHAPES;
