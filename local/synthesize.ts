import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import cdkJson from '../cdk.json';
import { MlopsPlatformStack, type MlopsPlatformStackProps } from '../lib';
import type { CloudFormationTemplate } from './provision-from-template';

export interface SynthesizedFunction {
  /** The function's service name (`RegisterModel`, ...). */
  readonly name: string;
  readonly logicalId: string;
  /** The bundle as deployed: the asset esbuild produced during synth. */
  readonly bundlePath: string;
}

export interface Synthesis {
  readonly template: CloudFormationTemplate;
  readonly functions: SynthesizedFunction[];
}

/** The stack's name in the cloud assembly: its template is `<name>.template.json`. */
const STACK_NAME = 'MlopsPlatform';

/**
 * Synthesizes the platform with bundling, as `cdk synth` does, into `outdir` (a new temporary
 * directory by default), and finds each function's bundle: exactly the code that deploys.
 */
export function synthesizeFunctions(
  outdir = mkdtempSync(path.join(tmpdir(), 'mlops-synth-')),
  props: Pick<MlopsPlatformStackProps, 'monitors'> = {},
): Synthesis {
  // Bundling finds the lock file (and so the project root) from the working directory: make it this
  // repository's, whatever folder `npm run local` or a test was started from. Synthesis is synchronous.
  const cwd = process.cwd();
  process.chdir(path.join(__dirname, '..'));
  try {
    // Without CDK's built-in CloudFormation validation: loading it costs some 10 s per synthesis, and the
    // tests lint the same templates with cfn-lint.
    const app = new App({
      builtinCloudFormationValidation: false,
      outdir: path.resolve(cwd, outdir),
      context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true },
    });
    new MlopsPlatformStack(app, STACK_NAME, props);
    app.synth();
  } finally {
    process.chdir(cwd);
  }
  return readSynthesizedFunctions(path.resolve(cwd, outdir));
}

/** The template and the function bundles of a cloud assembly `synthesizeFunctions` wrote. */
export function readSynthesizedFunctions(outdir: string): Synthesis {
  const template = JSON.parse(readFileSync(path.join(outdir, `${STACK_NAME}.template.json`), 'utf8'));
  const functions = Object.entries(template.Resources as Record<string, { Type: string; Metadata?: Record<string, string>; Properties: any }>)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const bundlePath = path.join(outdir, resource.Metadata!['aws:asset:path'], 'index.mjs');
      if (!existsSync(bundlePath)) throw new Error(`no bundle for ${logicalId} at ${bundlePath}`);
      return { name: resource.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string, logicalId, bundlePath };
    });
  return { template, functions };
}
