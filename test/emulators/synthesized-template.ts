import { readFileSync, writeFileSync } from 'node:fs';
import { MlopsPlatformStack } from '../../lib';
import type { CloudFormationTemplate } from '../../local/provision-from-template';
import { testApp } from '../support/platform-app';

/** Where the global setup leaves the synthesized template for the test files. */
const TEMPLATE_PATH_VARIABLE = 'MLOPS_TEST_TEMPLATE';

/** Synthesizes the platform stack (as `cdk synth` would, without bundling) into `file` and tells the workers where. */
export function writeSynthesizedTemplate(file: string): void {
  const app = testApp();
  // The images tests register images built elsewhere from team-models/* repositories.
  const stack = new MlopsPlatformStack(app, 'MlopsPlatform', { externalImageRepositories: ['team-models/*'] });
  writeFileSync(file, JSON.stringify(app.synth().getStackByName(stack.stackName).template));
  process.env[TEMPLATE_PATH_VARIABLE] = file;
}

export function readSynthesizedTemplate(): CloudFormationTemplate {
  const file = process.env[TEMPLATE_PATH_VARIABLE];
  if (!file) throw new Error(`${TEMPLATE_PATH_VARIABLE} is not set: run the test through jest --selectProjects integration`);
  return JSON.parse(readFileSync(file, 'utf8'));
}
