import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';

// Runs in the unit project, whose setup (test/support/no-synth.ts) forbids synthesis.
describe('the unit project', () => {
  const SYNTH_PROJECT = /put this test under test\/lib\/ or name it \*\.synth\.test\.ts/;

  test('fails a test that synthesizes a stack, naming the synth project', () => {
    const stack = new Stack(new App(), 'Test');
    new sns.Topic(stack, 'Topic');

    expect(() => Template.fromStack(stack)).toThrow(SYNTH_PROJECT);
  });

  test('fails a test that synthesizes an app', () => {
    expect(() => new App().synth()).toThrow(SYNTH_PROJECT);
  });
});
