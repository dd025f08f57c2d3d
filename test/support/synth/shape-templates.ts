import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { StackShape } from './stack-shapes';

/** Where the synth project's global setup leaves each shape's template and cdk-nag findings. */
export const SHAPES_DIRECTORY_VARIABLE = 'MLOPS_TEST_SHAPES';

export const templateFileName = (shape: StackShape) => `${shape}.template.json`;
export const nagFileName = (shape: StackShape) => `${shape}.nag.json`;

/** The file the global setup wrote a shape's template to (for tools that read files, like cfn-lint). */
export function shapeTemplateFile(shape: StackShape): string {
  const directory = process.env[SHAPES_DIRECTORY_VARIABLE];
  if (!directory) throw new Error(`${SHAPES_DIRECTORY_VARIABLE} is not set: run the test through jest --selectProjects synth`);
  return path.join(directory, templateFileName(shape));
}

/** A shared shape's template, synthesized once per run. */
export function shapeTemplate(shape: StackShape): Template {
  return Template.fromJSON(JSON.parse(readFileSync(shapeTemplateFile(shape), 'utf8')));
}

/** A shared shape's unacknowledged cdk-nag AwsSolutions findings, `<severity> <rule> at <construct path>`. */
export function shapeNagFindings(shape: StackShape): string[] {
  return JSON.parse(readFileSync(path.join(path.dirname(shapeTemplateFile(shape)), nagFileName(shape)), 'utf8'));
}
