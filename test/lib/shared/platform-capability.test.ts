import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import {
  IMAGES_OPERATIONS,
  MlopsPlatformStack,
  MONITORING_OPERATIONS,
  PlatformCapability,
  type PlatformFunction,
  REGISTRY_OPERATIONS,
  TRACKING_OPERATIONS,
} from '../../../lib';
import { testApp } from '../../support/platform-app';

/** A capability of the registry's area that adds the functions it is told to. */
class TestCapability extends PlatformCapability<'query'> {
  readonly functions: Readonly<Record<'query', lambda.IFunction>>;
  readonly added: PlatformFunction[];

  constructor(scope: Construct, id: string, functionIds: readonly string[]) {
    super(scope, id, 'registry');
    this.added = functionIds.map((functionId) => this.addFunction(functionId, { description: `${functionId} for a test` }));
    this.functions = { query: this.added[0] };
  }
}

describe('PlatformCapability.addFunction', () => {
  test("finds a function's handler by its id, kebab-cased, in its area's handlers", () => {
    const stack = new Stack(testApp(), 'Test');

    const capability = new TestCapability(stack, 'Capability', ['QueryRegistry', 'SetModelAlias']);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'SetModelAlias for a test',
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'SetModelAlias' } },
    });
    expect(capability.metricErrors('query').dimensions).toEqual({ FunctionName: capability.added[0].functionName });
  });

  test('fails when the area has no handler of that name', () => {
    const stack = new Stack(testApp(), 'Test');
    const expected = path.join('lambda', 'registry', 'handlers', 'query-everything.ts');

    expect(() => new TestCapability(stack, 'Capability', ['QueryEverything'])).toThrow(expected);
  });
});

describe('the capabilities of the platform', () => {
  test('each has one function per operation of its list, in its order (the order of its dashboard graphs)', () => {
    const stack = new MlopsPlatformStack(testApp(), 'MlopsPlatform');

    expect(Object.keys(stack.registry.functions)).toEqual(REGISTRY_OPERATIONS);
    expect(Object.keys(stack.experiments.functions)).toEqual(TRACKING_OPERATIONS);
    expect(Object.keys(stack.monitoring.functions)).toEqual(MONITORING_OPERATIONS);
    expect(Object.keys(stack.images.functions)).toEqual(IMAGES_OPERATIONS);
  });
});
