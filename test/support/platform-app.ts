import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json';
import { MlopsPlatformStack, type MlopsPlatformStackProps } from '../../lib';

/**
 * An app as `cdk synth` makes it: with cdk.json's feature flags, so tests see the deployed
 * template. Bundling is skipped (the template depends on the bundle's hash, not its content),
 * and so is CDK's built-in CloudFormation validation, which takes seconds to load in each test
 * file: the synth project's shared stack shapes keep it (test/support/synth/global-setup.ts),
 * and cfn-lint checks the templates. A test file then synthesizes in about a second.
 */
export function testApp(props: AppProps = {}): App {
  return new App({ builtinCloudFormationValidation: false, ...props, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...props.context } });
}

/** The platform stack in a fresh test app (or in `app`). */
export function platformApp(props: MlopsPlatformStackProps = {}, app = testApp()) {
  const stack = new MlopsPlatformStack(app, 'MlopsPlatform', { env: { account: '123456789012', region: 'eu-west-1' }, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: Record<string, Record<string, unknown>> };

/** Every IAM statement of every policy in the template, with the logical id of the policy. */
export function iamStatements(template: Template): { policy: string; statement: Statement }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies).flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ policy, statement })),
  );
}

export const actionsOf = (statement: Statement) => [statement.Action].flat();
