import { spawn } from 'node:child_process';

// W3005: CDK adds a DependsOn from each function to its role, which a GetAtt already implies.
const IGNORED_CHECKS = ['W3005'];

export interface LintResult {
  /** stdout then stderr: empty when cfn-lint found nothing. */
  readonly output: string;
  readonly status: number | null;
  /** Why cfn-lint could not run at all. */
  readonly error?: string;
}

/**
 * Runs cfn-lint (AWS's own linter, LOCAL-AWS.md) once over `templates`: it takes seconds to start. It runs
 * in its own process, so a test file starts it as soon as its templates are written and awaits it last,
 * while its other tests run. Never rejects: a rejection nobody awaits yet would fail the file.
 */
export function lintTemplates(templates: string[]): Promise<LintResult> {
  return new Promise((resolve) => {
    const lint = spawn('cfn-lint', ['--ignore-checks', ...IGNORED_CHECKS, '--', ...templates]);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    lint.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    lint.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    lint.on('error', (error) =>
      resolve({ output: '', status: null, error: `cfn-lint could not run (${error.message}); install it with: pip install cfn-lint` }),
    );
    lint.on('close', (status) => resolve({ output: Buffer.concat([...stdout, ...stderr]).toString('utf8'), status }));
  });
}
