#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MlopsPlatformStack } from '../lib';
import { MONITORS_CONTEXT_KEY, monitorsFromContext } from '../lib/monitoring/monitors-from-context';

const app = new App();
new MlopsPlatformStack(app, app.node.tryGetContext('stackName') ?? 'MlopsPlatform', {
  customerManagedKey: app.node.tryGetContext('customerManagedKey') === true || app.node.tryGetContext('customerManagedKey') === 'true',
  // The same declarations `npm run local` reads: what runs locally is what deploys.
  monitors: monitorsFromContext(app.node.tryGetContext(MONITORS_CONTEXT_KEY)),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
