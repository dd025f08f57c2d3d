import {
  type BuildContextSpec,
  formatContextFiles,
  MODEL_DIR,
  MODEL_MANIFEST_FILE,
  modelDirectory,
  PROGRAM_DIR,
  parseContextFiles,
  parseModelManifest,
  REQUIREMENTS_FILE,
  renderBuildContext,
  renderDockerfile,
  SHIM_FILE,
} from '../../../../lambda/images/core/build-context';

/**
 * The Dockerfile is checked as Docker reads it (no daemon here): physical lines joined at a
 * trailing `\`, comment lines dropped, each instruction split into its keyword and arguments, and
 * `ENV` arguments lexed by Docker's shell-word rules, `$` expansion included, so a value that is
 * not escaped right comes out different from what was registered.
 */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function instructions(dockerfile: string): Instruction[] {
  const parsed: Instruction[] = [];
  let pending: string | undefined;
  for (const line of dockerfile.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (pending === undefined && line.trim() === '') continue;
    const continued = /\\[ \t]*$/.test(line);
    pending = (pending ?? '') + line.replace(/\\[ \t]*$/, '');
    if (!continued) {
      const [, keyword, args] = /^\s*(\S+)\s*(.*)$/.exec(pending)!;
      parsed.push({ keyword: keyword.toUpperCase(), args: args.trim() });
      pending = undefined;
    }
  }
  if (pending !== undefined) throw new Error(`the Dockerfile ends in a continuation: ${pending}`);
  return parsed;
}

/** Docker's shell-word lexer (escape `\`): quotes, escapes, and `$NAME` / `${NAME}` expanded from `env`. */
function words(args: string, env: Readonly<Record<string, string>>): string[] {
  const result: string[] = [];
  let i = 0;
  const expand = (): string => {
    i++; // $
    const braced = args[i] === '{';
    const match = (braced ? /^\{([A-Za-z_][A-Za-z0-9_]*)\}/ : /^([A-Za-z_][A-Za-z0-9_]*)/).exec(args.slice(i));
    if (!match) return '$';
    i += match[0].length;
    return env[match[1]] ?? '';
  };
  while (i < args.length) {
    while (i < args.length && /\s/.test(args[i])) i++;
    if (i >= args.length) break;
    let word = '';
    while (i < args.length && !/\s/.test(args[i])) {
      const c = args[i];
      if (c === '"') {
        i++;
        for (;;) {
          if (i >= args.length) throw new Error(`unterminated double quote in: ${args}`);
          const d = args[i];
          if (d === '"') {
            i++;
            break;
          }
          if (d === '$') word += expand();
          else if (d === '\\' && ['"', '$', '\\'].includes(args[i + 1])) {
            word += args[i + 1];
            i += 2;
          } else {
            word += d;
            i++;
          }
        }
      } else if (c === "'") {
        const end = args.indexOf("'", i + 1);
        if (end < 0) throw new Error(`unterminated single quote in: ${args}`);
        word += args.slice(i + 1, end);
        i = end + 1;
      } else if (c === '\\') {
        word += args[i + 1] ?? '';
        i += 2;
      } else if (c === '$') word += expand();
      else {
        word += c;
        i++;
      }
    }
    result.push(word);
  }
  return result;
}

/** The environment each `ENV` instruction leaves, in order: what the container starts with. */
function containerEnvironment(parsed: readonly Instruction[], base: Readonly<Record<string, string>> = {}) {
  let env: Record<string, string> = { ...base };
  const perInstruction: Record<string, string>[] = [];
  for (const { keyword, args } of parsed) {
    if (keyword !== 'ENV') continue;
    const pairs = words(args, env).map((word) => {
      const equals = word.indexOf('=');
      if (equals <= 0) throw new Error(`ENV word without "=": ${word}`);
      return [word.slice(0, equals), word.slice(equals + 1)] as const;
    });
    // All pairs of one instruction expand against the environment before it.
    const set = Object.fromEntries(pairs);
    perInstruction.push(set);
    env = { ...env, ...set };
  }
  return { env, perInstruction };
}

const CHURN = {
  name: 'churn',
  version: 3,
  artifactUri: 's3://artifacts/models/churn/3/model.tar.gz',
  artifactVersionId: 'Vc3',
  artifactSha256: 'c'.repeat(64),
  requestedAlias: 'production',
};
const FRAUD = {
  name: 'fraud.v2',
  version: 11,
  artifactUri: 's3://artifacts/models/fraud v2/11/model.joblib',
  artifactVersionId: 'null',
  artifactSha256: 'f'.repeat(64),
};

const spec = (overrides: Partial<BuildContextSpec> = {}): BuildContextSpec => ({
  imageName: 'churn-scorer',
  imageVersion: 2,
  baseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
  entryFile: 'score.py',
  models: [CHURN, FRAUD],
  environment: {},
  requirements: ['numpy==1.26.4', 'scikit-learn~=1.4.0'],
  ...overrides,
});

const keywords = (dockerfile: string) => instructions(dockerfile).map((instruction) => instruction.keyword);
const only = (dockerfile: string, keyword: string) => instructions(dockerfile).filter((instruction) => instruction.keyword === keyword);

describe('renderDockerfile', () => {
  it('builds on the base image, once', () => {
    const from = only(renderDockerfile(spec({ baseImage: `public.ecr.aws/docker/library/python:3.11@sha256:${'a'.repeat(64)}` })), 'FROM');

    expect(from).toEqual([{ keyword: 'FROM', args: `public.ecr.aws/docker/library/python:3.11@sha256:${'a'.repeat(64)}` }]);
  });

  it('tells the shim its entry script, model directory, image and served models', () => {
    const { env } = containerEnvironment(instructions(renderDockerfile(spec())));

    expect(env).toEqual({
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      MLOPS_ENTRY_SCRIPT: '/opt/program/score.py',
      MLOPS_MODEL_DIR: '/opt/ml/model',
      MLOPS_IMAGE: 'churn-scorer:2',
      MLOPS_MODELS: 'churn:3,fraud.v2:11',
    });
  });

  it("sets the registered environment in its own ENV after the platform's", () => {
    const environment = { LOG_LEVEL: 'debug', THREADS: '4' };

    const { env, perInstruction } = containerEnvironment(instructions(renderDockerfile(spec({ environment }))));

    expect(perInstruction).toHaveLength(2);
    expect(perInstruction[1]).toEqual(environment);
    expect(env).toMatchObject({ ...environment, MLOPS_IMAGE: 'churn-scorer:2' });
  });

  it('writes no second ENV when nothing was registered', () => {
    expect(only(renderDockerfile(spec({ environment: {} })), 'ENV')).toHaveLength(1);
  });

  it.each([
    ['quotes, $ and a backslash', 'a "b" $HOME \\n'],
    ['a braced variable', '${PATH}:/opt/bin'],
    ['a trailing backslash', 'C:\\'],
    ['a backslash before a quote', 'x\\"y'],
    ['doubled backslashes', '\\\\server\\share'],
    ['single quotes', "it's 'quoted'"],
    ['a "#" (not a comment)', '#ff0000 # not a comment'],
    ['spaces and "="', '  a = b  '],
    ['an empty value', ''],
    ['a lone $', 'costs $5 or $'],
    ['non-ASCII', 'café ☕'],
  ])('passes %s to the container literally', (_, value) => {
    const { env } = containerEnvironment(instructions(renderDockerfile(spec({ environment: { VALUE: value, OTHER: 'x' } }))), {
      HOME: '/root',
      PATH: '/usr/bin',
    });

    expect(env.VALUE).toBe(value);
    expect(env.OTHER).toBe('x');
  });

  it('escapes exactly ", \\ and $ inside double quotes, as Docker expects', () => {
    const dockerfile = renderDockerfile(spec({ environment: { GREETING: 'a "b" $HOME \\n' } }));

    expect(dockerfile).toContain('GREETING="a \\"b\\" \\$HOME \\\\n"');
  });

  it('puts one variable on each line of an ENV, joined by continuations', () => {
    const dockerfile = renderDockerfile(spec({ environment: { A: '1', B: '2', C: '3' } }));

    const lines = dockerfile.split('\n');
    const first = lines.findIndex((line) => line.startsWith('ENV A='));
    expect(lines.slice(first, first + 3)).toEqual(['ENV A="1" \\', '    B="2" \\', '    C="3"']);
  });

  it('installs the requirements with pip when there are some', () => {
    const run = only(renderDockerfile(spec()), 'RUN');

    expect(run).toHaveLength(1);
    expect(run[0].args.split(/\s+/)).toEqual(['pip', 'install', '--no-cache-dir', '--disable-pip-version-check', '--requirement', REQUIREMENTS_FILE]);
  });

  it('runs no pip install without requirements', () => {
    const dockerfile = renderDockerfile(spec({ requirements: [] }));

    expect(only(dockerfile, 'RUN')).toEqual([]);
    expect(dockerfile).not.toContain('pip');
  });

  it('copies the requirements, the shim and the entry script into the program directory', () => {
    const parsed = instructions(renderDockerfile(spec({ entryFile: 'predict_v2.py' })));

    expect(parsed.find((instruction) => instruction.keyword === 'WORKDIR')?.args).toBe(PROGRAM_DIR);
    expect(parsed.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args.split(/\s+/))).toEqual([
      [REQUIREMENTS_FILE, './'],
      [SHIM_FILE, 'predict_v2.py', './'],
    ]);
  });

  it('answers on port 8080 and runs the shim with python3 (SageMaker adds "serve")', () => {
    const parsed = instructions(renderDockerfile(spec()));
    const entrypoint = parsed.filter((instruction) => instruction.keyword === 'ENTRYPOINT');

    expect(parsed.filter((instruction) => instruction.keyword === 'EXPOSE').map((instruction) => instruction.args)).toEqual(['8080']);
    expect(entrypoint).toHaveLength(1);
    expect(JSON.parse(entrypoint[0].args)).toEqual(['python3', `${PROGRAM_DIR}/${SHIM_FILE}`]);
    expect(parsed.some((instruction) => instruction.keyword === 'CMD')).toBe(false);
  });

  it('points the shim at the files where the COPY puts them', () => {
    const parsed = instructions(renderDockerfile(spec()));
    const { env } = containerEnvironment(parsed);
    const workdir = parsed.find((instruction) => instruction.keyword === 'WORKDIR')!.args;

    expect(env.MLOPS_ENTRY_SCRIPT).toBe(`${workdir}/score.py`);
    expect(JSON.parse(parsed.find((instruction) => instruction.keyword === 'ENTRYPOINT')!.args)[1]).toBe(`${workdir}/${SHIM_FILE}`);
    expect(env.MLOPS_MODEL_DIR).toBe(MODEL_DIR);
  });

  it('orders the instructions so the requirements layer comes before the script', () => {
    expect(keywords(renderDockerfile(spec({ environment: { A: '1' } })))).toEqual([
      'FROM',
      'ENV',
      'ENV',
      'WORKDIR',
      'COPY',
      'RUN',
      'COPY',
      'EXPOSE',
      'ENTRYPOINT',
    ]);
    expect(keywords(renderDockerfile(spec({ requirements: [] })))).toEqual(['FROM', 'ENV', 'WORKDIR', 'COPY', 'COPY', 'EXPOSE', 'ENTRYPOINT']);
  });

  it('names the image and what it serves in a header comment that is no parser directive', () => {
    const [first] = renderDockerfile(spec()).split('\n');

    expect(first).toBe('# Built by mlops-platform: image churn-scorer version 2, serving churn:3,fraud.v2:11.');
    // Docker reads `# name=value` at the top as a directive (`# syntax=`, `# escape=`).
    expect(first).not.toMatch(/^#\s*[A-Za-z][A-Za-z0-9]*\s*=/);
  });

  it('ends with a newline', () => {
    expect(renderDockerfile(spec())).toMatch(/\n$/);
    expect(renderDockerfile(spec())).not.toMatch(/\n\n$/);
  });
});

describe('renderBuildContext', () => {
  it('writes the Dockerfile, the shim, the requirements, the model manifest and .dockerignore', () => {
    const context = renderBuildContext(spec(), 'print("shim")\n');

    expect(Object.keys(context).sort()).toEqual(['.dockerignore', 'Dockerfile', MODEL_MANIFEST_FILE, REQUIREMENTS_FILE, SHIM_FILE].sort());
    expect(context.Dockerfile).toBe(renderDockerfile(spec()));
    expect(context[SHIM_FILE]).toBe('print("shim")\n');
  });

  it('writes one requirement per line', () => {
    const requirements = ['numpy==1.26.4      --hash=sha256:ab12', 'pandas==2.2.2 ; python_version >= "3.9"'];

    expect(renderBuildContext(spec({ requirements }), '')[REQUIREMENTS_FILE]).toBe(`${requirements[0]}\n${requirements[1]}\n`);
    expect(renderBuildContext(spec({ requirements: [] }), '')[REQUIREMENTS_FILE]).toBe('');
  });

  it('lists each served model pinned as "<sha256> <s3 version id> <model>/<version> <artifact uri>", one per line', () => {
    const manifest = renderBuildContext(spec(), '')[MODEL_MANIFEST_FILE];

    expect(manifest).toBe(
      `${'c'.repeat(64)} Vc3 churn/3 s3://artifacts/models/churn/3/model.tar.gz\n${'f'.repeat(64)} null fraud.v2/11 s3://artifacts/models/fraud v2/11/model.joblib\n`,
    );
    expect(parseModelManifest(manifest)).toEqual([
      { sha256: 'c'.repeat(64), versionId: 'Vc3', directory: 'churn/3', uri: CHURN.artifactUri },
      { sha256: 'f'.repeat(64), versionId: 'null', directory: 'fraud.v2/11', uri: FRAUD.artifactUri },
    ]);
    expect(modelDirectory(FRAUD)).toBe('fraud.v2/11');
  });

  it('writes the pinned context files as one line of "<name>:<version id>:<sha256>" entries, and reads them back', () => {
    const files = [
      { name: 'Dockerfile', versionId: 'a1.B_c-2', sha256: 'd'.repeat(64) },
      { name: '.dockerignore', versionId: 'null', sha256: 'e'.repeat(64) },
    ];

    expect(formatContextFiles(files)).toBe(`Dockerfile:a1.B_c-2:${'d'.repeat(64)} .dockerignore:null:${'e'.repeat(64)}`);
    expect(parseContextFiles(formatContextFiles(files))).toEqual(files);
  });

  it('keeps the model manifest out of the image, and only it', () => {
    expect(renderBuildContext(spec(), '')['.dockerignore']).toBe(`${MODEL_MANIFEST_FILE}\n`);
  });

  it('copies into the image only files the context holds and does not ignore', () => {
    const context = renderBuildContext(spec(), '');
    const ignored = context['.dockerignore'].split('\n').filter(Boolean);
    const available = [...Object.keys(context), 'score.py'].filter((file) => !ignored.includes(file));

    const sources = only(context.Dockerfile, 'COPY').flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));

    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(available).toContain(source);
  });
});
