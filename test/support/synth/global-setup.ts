import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AwsSolutionsChecks } from 'cdk-nag';
import { platformApp, testApp } from '../platform-app';
import { nagFileName, SHAPES_DIRECTORY_VARIABLE, templateFileName } from './shape-templates';
import { STACK_SHAPES, type StackShape } from './stack-shapes';

/**
 * Synthesizes each shared platform stack shape once per jest run, with CDK's built-in CloudFormation
 * validation on (it fails the synthesis on an error), and writes its template and its unacknowledged
 * cdk-nag findings for the test files. Workers are forked after this runs, so the directory set on
 * `process.env` reaches every test file; the global teardown removes it.
 */
export default function globalSetup(): void {
  const directory = mkdtempSync(path.join(tmpdir(), 'mlops-stack-shapes-'));
  for (const [shape, props] of Object.entries(STACK_SHAPES) as [StackShape, (typeof STACK_SHAPES)[StackShape]][]) {
    const { app, template } = platformApp(props, testApp({ builtinCloudFormationValidation: true }));
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
    );
    writeFileSync(path.join(directory, templateFileName(shape)), JSON.stringify(template.toJSON()));
    writeFileSync(path.join(directory, nagFileName(shape)), JSON.stringify(findings));
  }
  process.env[SHAPES_DIRECTORY_VARIABLE] = directory;
}
