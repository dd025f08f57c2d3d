#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MlopsPlatformStack } from '../lib';

const app = new App();
new MlopsPlatformStack(app, app.node.tryGetContext('stackName') ?? 'MlopsPlatform', {
  customerManagedKey: app.node.tryGetContext('customerManagedKey') === true || app.node.tryGetContext('customerManagedKey') === 'true',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
