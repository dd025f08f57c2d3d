import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MODEL_MANIFEST_FILE, renderBuildContext } from '../../../../lambda/images/core/build-context';
import { type ImageBuildVariables, imageBuildSpec } from '../../../../lambda/images/core/buildspec';

interface Phase {
  readonly 'on-failure'?: string;
  readonly commands: string[];
}
const spec = imageBuildSpec() as { version: string; env: { shell: string }; phases: Record<string, Phase> };
const { pre_build: preBuild, build, post_build: postBuild } = spec.phases;
const allCommands = Object.values(spec.phases).flatMap((phase) => phase.commands);

const REPOSITORY_URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-images';
/** What `StartBuild` passes; typed so a variable added to the build is added here too. */
const BUILD_VARIABLES: ImageBuildVariables = {
  IMAGE_NAME: 'churn-scorer',
  IMAGE_VERSION: '2',
  IMAGE_TAG: 'churn-scorer-2',
  MODEL_DATA_URI: 's3://artifacts/images/churn-scorer/2/model.tar.gz',
};
/** The project's variables, and what CodeBuild sets in every build. */
const PROJECT_VARIABLES = { REPOSITORY_URI, REPOSITORY_NAME: 'mlops-images' };
const CODEBUILD_VARIABLES = { AWS_REGION: 'eu-west-1' };

/** Bash reads ~/.bashrc when its stdin is a socket, as Node's pipes are: give it none. */
const NO_STDIN: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];

const commandMatching = (phase: Phase, pattern: RegExp) => {
  const matching = phase.commands.filter((command) => pattern.test(command));
  expect(matching).toHaveLength(1);
  return matching[0];
};

describe('imageBuildSpec', () => {
  it('is a version 0.2 buildspec run by bash, with the pre_build, build and post_build phases in order', () => {
    expect(spec.version).toBe('0.2');
    expect(spec.env).toEqual({ shell: 'bash' });
    expect(Object.keys(spec.phases)).toEqual(['pre_build', 'build', 'post_build']);
  });

  it('stops the build when packing the models, logging in, building or pushing fails', () => {
    expect(preBuild['on-failure']).toBe('ABORT');
    expect(build['on-failure']).toBe('ABORT');
    expect(postBuild['on-failure']).toBeUndefined();
  });

  it('fails a pre_build pipeline when any command of it fails', () => {
    expect(preBuild.commands[0]).toBe('set -o pipefail');
  });

  it('downloads each model of models.txt into a staging directory outside the build context', () => {
    const loop = commandMatching(preBuild, /while .*read/);

    expect(loop).toMatch(new RegExp(`done < ${MODEL_MANIFEST_FILE}$`));
    expect(loop).toContain('aws s3 cp --only-show-errors "$uri" "/tmp/model/$dir/"');
    // A failed download fails the command, not just one turn of the loop.
    expect(loop).toContain('|| exit 1');
    expect(preBuild.commands).toContain('mkdir -p /tmp/model');
  });

  it('packs the staged models into model.tar.gz and uploads it to the model data URI', () => {
    const commands = preBuild.commands;
    const tar = commands.indexOf('tar -czf /tmp/model.tar.gz -C /tmp/model .');
    const upload = commands.indexOf('aws s3 cp --only-show-errors /tmp/model.tar.gz "$MODEL_DATA_URI"');

    expect(tar).toBeGreaterThan(commands.findIndex((command) => command.includes(MODEL_MANIFEST_FILE)));
    expect(upload).toBeGreaterThan(tar);
  });

  it('logs Docker in to the registry host of the repository', () => {
    expect(commandMatching(preBuild, /docker login/)).toBe(
      'aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
    );
  });

  it('builds the context with fresh base layers and pushes it under its own tag', () => {
    expect(build.commands).toEqual(['docker build --pull --tag "$REPOSITORY_URI:$IMAGE_TAG" .', 'docker push "$REPOSITORY_URI:$IMAGE_TAG"']);
  });

  it('waits for the scan of the pushed tag, tolerating a wait that times out', () => {
    expect(postBuild.commands).toHaveLength(1);
    const [wait] = postBuild.commands;

    expect(wait).toMatch(/^aws ecr wait image-scan-complete --repository-name "\$REPOSITORY_NAME" --image-id imageTag="\$IMAGE_TAG" \|\| echo "[^"]+"$/);
  });

  it('reads exactly the variables the build is given: the start\'s, the project\'s and AWS_REGION', () => {
    const assignedInCommands = allCommands.flatMap((command) => [...command.matchAll(/(?:^|[\s;])([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]));
    const readVariables = allCommands.flatMap((command) => [...command.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
    const loopVariables = allCommands.flatMap((command) => [...command.matchAll(/read -r ((?:[A-Za-z_][A-Za-z0-9_]* ?)+);/g)].flatMap((m) => m[1].trim().split(' ')));
    const local = new Set([...assignedInCommands, ...loopVariables]);

    const external = [...new Set(readVariables.filter((name) => !local.has(name)))].sort();

    expect(external).toEqual(Object.keys({ ...BUILD_VARIABLES, ...PROJECT_VARIABLES, ...CODEBUILD_VARIABLES }).sort());
  });

  describe('as bash runs it', () => {
    it.each(Object.entries(spec.phases))('%s commands are valid bash, one by one and together', (_, phase) => {
      for (const script of [...phase.commands, phase.commands.join('\n')]) {
        const check = spawnSync('bash', ['-n', '-c', script], { encoding: 'utf8', stdio: NO_STDIN });
        expect(check.stderr).toBe('');
        expect(check.status).toBe(0);
      }
    });

    /**
     * Runs commands of the buildspec in the build's working directory (the context), in one shell
     * as CodeBuild does, stopping at the first that fails, with `aws` and `docker` replaced by
     * scripts that log their arguments; `/tmp/` is moved into a scratch directory.
     */
    function runPhase(commands: readonly string[], options: { manifest?: string; env?: Record<string, string> } = {}) {
      const work = mkdtempSync(path.join(tmpdir(), 'mlops-buildspec-'));
      const bin = path.join(work, 'bin');
      const context = path.join(work, 'context');
      const scratch = path.join(work, 'tmp');
      for (const dir of [bin, context, scratch]) mkdirSync(dir);
      const calls = path.join(work, 'calls');
      writeFileSync(calls, '');
      const fake = (name: string, body: string) => {
        // One append per call: the two ends of a pipe (aws ... | docker login) record at the same time.
        writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\ncall="$(printf '%s\\x1f' "${name}" "$@")"; printf '%s\\n' "$call" >> "$CALLS"\n${body}\n`);
        chmodSync(path.join(bin, name), 0o755);
      };
      fake(
        'aws',
        [
          'if [ "$1 $2" = "s3 cp" ]; then',
          '  src="${@: -2:1}"; dest="${@: -1}"',
          '  case "$src" in',
          '    s3://*missing*) echo "download failed: $src" >&2; exit 1 ;;',
          '    s3://*) mkdir -p "$dest" && printf "%s" "$src" > "$dest$(basename "$src")" ;;',
          '    *) cp "$src" "$UPLOADED" ;;',
          '  esac',
          'fi',
          'if [ "$1 $2" = "ecr get-login-password" ]; then [ -z "$LOGIN_FAILS" ] || exit 255; echo registry-password; fi',
          'if [ "$1 $2" = "ecr wait" ]; then exit "${SCAN_WAIT_STATUS:-0}"; fi',
        ].join('\n'),
      );
      fake('docker', 'if [ "$1" = login ]; then cat > "$LOGIN_PASSWORD"; fi');
      if (options.manifest !== undefined) writeFileSync(path.join(context, MODEL_MANIFEST_FILE), options.manifest);

      const script = ['set -e', ...commands.map((command) => command.replaceAll('/tmp/', `${scratch}/`))].join('\n');
      const run = spawnSync('bash', ['-c', script], {
        cwd: context,
        encoding: 'utf8',
        stdio: NO_STDIN,
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          HOME: work,
          CALLS: calls,
          UPLOADED: path.join(work, 'uploaded.tar.gz'),
          LOGIN_PASSWORD: path.join(work, 'login-password'),
          ...BUILD_VARIABLES,
          ...PROJECT_VARIABLES,
          ...CODEBUILD_VARIABLES,
          ...options.env,
        },
      });
      const called = readFileSync(calls, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\x1f').slice(0, -1));
      const read = (file: string) => readFileSync(path.join(work, file), 'utf8');
      const tarList = () => spawnSync('tar', ['-tzf', path.join(work, 'uploaded.tar.gz')], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
      const tarFile = (member: string) => spawnSync('tar', ['-xzOf', path.join(work, 'uploaded.tar.gz'), member], { encoding: 'utf8' }).stdout;
      return { run, called, read, tarList, tarFile, cleanUp: () => rmSync(work, { recursive: true, force: true }) };
    }

    const models = [
      { name: 'churn', version: 3, artifactUri: 's3://artifacts/models/churn/3/model.tar.gz' },
      { name: 'fraud.v2', version: 11, artifactUri: 's3://artifacts/models/fraud detection/11/model.joblib' },
    ];
    const manifest = renderBuildContext(
      { imageName: 'churn-scorer', imageVersion: 2, baseImage: 'python:3.12', entryFile: 'score.py', models, environment: {}, requirements: [] },
      '',
    )[MODEL_MANIFEST_FILE];

    it('packs every model of the manifest under <model>/<version>/, keys with spaces included, and uploads the archive', () => {
      const phase = runPhase(preBuild.commands, { manifest });
      try {
        expect(phase.run.stderr).toBe('');
        expect(phase.run.status).toBe(0);
        expect(phase.tarList()).toEqual(['./', './churn/', './churn/3/', './churn/3/model.tar.gz', './fraud.v2/', './fraud.v2/11/', './fraud.v2/11/model.joblib']);
        expect(phase.tarFile('./fraud.v2/11/model.joblib')).toBe('s3://artifacts/models/fraud detection/11/model.joblib');
        const copies = phase.called.filter((args) => args[0] === 'aws' && args[1] === 's3');
        expect(copies.map((args) => args[args.length - 2])).toEqual([models[0].artifactUri, models[1].artifactUri, expect.stringMatching(/\/model\.tar\.gz$/)]);
        expect(copies[2][copies[2].length - 1]).toBe(BUILD_VARIABLES.MODEL_DATA_URI);
      } finally {
        phase.cleanUp();
      }
    });

    it('logs Docker in to the registry host with the password from ECR, in the build\'s region', () => {
      const phase = runPhase(preBuild.commands, { manifest });
      try {
        expect(phase.called).toContainEqual(['aws', 'ecr', 'get-login-password', '--region', 'eu-west-1']);
        expect(phase.called).toContainEqual(['docker', 'login', '--username', 'AWS', '--password-stdin', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
        expect(phase.read('login-password')).toBe('registry-password\n');
      } finally {
        phase.cleanUp();
      }
    });

    it('fails pre_build at a model that cannot be downloaded, before packing or logging in', () => {
      const phase = runPhase(preBuild.commands, { manifest: 's3://artifacts/models/churn/3/model.tar.gz churn/3\ns3://artifacts/missing/model.tar.gz fraud/1\n' });
      try {
        expect(phase.run.status).not.toBe(0);
        expect(phase.run.stderr).toContain('download failed: s3://artifacts/missing/model.tar.gz');
        expect(phase.called.map((args) => args.slice(0, 3).join(' '))).toEqual(['aws s3 cp', 'aws s3 cp']);
      } finally {
        phase.cleanUp();
      }
    });

    it('fails pre_build when the ECR password cannot be had, although docker login reads nothing', () => {
      const loginOnly = preBuild.commands.filter((command) => command === 'set -o pipefail' || command.includes('docker login'));
      const phase = runPhase(loginOnly, { env: { LOGIN_FAILS: 'yes' } });
      try {
        expect(phase.run.status).not.toBe(0);
      } finally {
        phase.cleanUp();
      }
    });

    it('builds and pushes $REPOSITORY_URI:$IMAGE_TAG', () => {
      const phase = runPhase(build.commands);
      try {
        expect(phase.run.status).toBe(0);
        expect(phase.called).toEqual([
          ['docker', 'build', '--pull', '--tag', `${REPOSITORY_URI}:churn-scorer-2`, '.'],
          ['docker', 'push', `${REPOSITORY_URI}:churn-scorer-2`],
        ]);
      } finally {
        phase.cleanUp();
      }
    });

    it.each([0, 255])('ends post_build successfully whether the scan wait succeeds or gives up (status %i)', (status) => {
      const phase = runPhase(postBuild.commands, { env: { SCAN_WAIT_STATUS: String(status) } });
      try {
        expect(phase.run.status).toBe(0);
        expect(phase.called[0]).toEqual(['aws', 'ecr', 'wait', 'image-scan-complete', '--repository-name', 'mlops-images', '--image-id', 'imageTag=churn-scorer-2']);
        expect(phase.run.stdout).toBe(status === 0 ? '' : 'The image scan did not complete within the wait; the image is recorded without findings.\n');
      } finally {
        phase.cleanUp();
      }
    });
  });
});
