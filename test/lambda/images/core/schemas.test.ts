import { BaseImage, DEFAULT_BASE_IMAGE, EcrImageUri, ImageName, QueryImagesRequest, RegisterImageRequest } from '../../../../lambda/images/core/schemas';
import { ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { refusedPaths } from '../../shared/refused-paths';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const DIGEST = `sha256:${'0a'.repeat(32)}`;
const build = { type: 'build', entry: 's3://artifacts/uploads/score.py' };
const request = (overrides: Record<string, unknown> = {}) => ({ name: 'churn-scorer', models: [{ name: 'churn', version: 3 }], source: build, ...overrides });

const messageOf = (input: unknown) => {
  try {
    parseRequest(RegisterImageRequest, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the request to be refused');
};

describe('RegisterImageRequest', () => {
  it('accepts a minimal build request and fills the defaults', () => {
    expect(parseRequest(RegisterImageRequest, request())).toEqual({
      name: 'churn-scorer',
      models: [{ name: 'churn', version: 3 }],
      source: { type: 'build', entry: 's3://artifacts/uploads/score.py', baseImage: DEFAULT_BASE_IMAGE },
      environment: {},
      allowCriticalFindings: false,
    });
    expect(DEFAULT_BASE_IMAGE).toBe('public.ecr.aws/docker/library/python:3.12-slim');
  });

  it('accepts a full build request', () => {
    const input = request({
      models: [
        { name: 'churn', alias: 'production' },
        { name: 'fraud.v2', version: 11 },
      ],
      source: { ...build, requirements: 's3://artifacts/uploads/requirements.txt', baseImage: `${HOST}/base/python@${DIGEST}` },
      environment: { THREADS: '4', _private: 'x', LOG_LEVEL: 'a "b" $HOME \\n' },
      description: 'Scores churn',
      allowCriticalFindings: true,
      clientToken: 'ci:run-7',
      registeredBy: 'arn:aws:iam::123456789012:role/ci',
    });

    expect(parseRequest(RegisterImageRequest, input)).toEqual(input);
  });

  it('accepts an external image request without build fields', () => {
    const input = request({ source: { type: 'external', imageUri: `${HOST}/team/scorer:v1.2` } });

    expect(parseRequest(RegisterImageRequest, input).source).toEqual({ type: 'external', imageUri: `${HOST}/team/scorer:v1.2` });
  });

  describe('model references', () => {
    it('fails on neither a version nor an alias, naming the reference', () => {
      expect(messageOf(request({ models: [{ name: 'churn' }] }))).toEqual(['models[0]: must give a version or an alias, not both']);
    });

    it('fails on both a version and an alias, naming the reference', () => {
      expect(
        refusedPaths(
          RegisterImageRequest,
          request({
            models: [
              { name: 'churn', version: 3 },
              { name: 'churn', version: 3, alias: 'production' },
            ],
          }),
        ),
      ).toEqual(['models[1]']);
    });

    it.each([
      ['a version below 1', { name: 'churn', version: 0 }, 'models[0].version'],
      ['a fractional version', { name: 'churn', version: 1.5 }, 'models[0].version'],
      ['a reserved alias', { name: 'churn', alias: 'latest' }, 'models[0].alias'],
      ['an uppercase alias', { name: 'churn', alias: 'Prod' }, 'models[0].alias'],
      ['a bad model name', { name: '-churn', version: 1 }, 'models[0].name'],
      ['an unknown field', { name: 'churn', version: 1, stage: 'prod' }, 'models[0].stage'],
    ])('fails on %s, naming it', (_, model, path) => {
      expect(refusedPaths(RegisterImageRequest, request({ models: [model] }))).toEqual([path]);
    });

    it('takes 1 to 10 models', () => {
      const models = (count: number) => Array.from({ length: count }, (_, i) => ({ name: 'churn', version: i + 1 }));

      expect(parseRequest(RegisterImageRequest, request({ models: models(10) })).models).toHaveLength(10);
      expect(refusedPaths(RegisterImageRequest, request({ models: models(11) }))).toEqual(['models']);
      expect(refusedPaths(RegisterImageRequest, request({ models: [] }))).toEqual(['models']);
    });
  });

  describe('environment', () => {
    it.each(['1ST', 'WITH-DASH', 'WITH SPACE', 'A=B', '', 'Ä'])('fails on the variable name "%s", naming it', (name) => {
      expect(refusedPaths(RegisterImageRequest, request({ environment: { [name]: 'x' } }))).toEqual([`environment.${name}`]);
    });

    it.each(['MLOPS_MODEL_DIR', 'MLOPS_ENTRY_SCRIPT', 'MLOPS_ANYTHING'])('fails on the reserved name %s, naming it', (name) => {
      expect(refusedPaths(RegisterImageRequest, request({ environment: { THREADS: '4', [name]: 'x' } }))).toEqual([`environment.${name}`]);
    });

    it.each([
      ['MLOPS_MODEL_DIR', 'is reserved (MLOPS_ variables configure the serving shim)'],
      ['1ST', 'must be a shell variable name'],
    ])('says why the variable name %s is refused', (name, reason) => {
      expect(messageOf(request({ environment: { [name]: 'x' } }))).toEqual([`environment.${name}: ${reason}`]);
    });

    it('accepts names that only start like reserved ones', () => {
      expect(parseRequest(RegisterImageRequest, request({ environment: { MLOPS: '1', mlops_x: '2', MLOPSX: '3' } })).environment).toEqual({
        MLOPS: '1',
        mlops_x: '2',
        MLOPSX: '3',
      });
    });

    it.each([
      ['a newline', 'a\nb'],
      ['a carriage return', 'a\rb'],
      ['a tab', 'a\tb'],
      ['a NUL', 'a\u0000b'],
    ])('fails on a value with %s (it would break the Dockerfile)', (_, value) => {
      expect(refusedPaths(RegisterImageRequest, request({ environment: { VALUE: value } }))).toEqual(['environment.VALUE']);
    });

    it('fails on a value over 4096 characters and on more than 50 variables', () => {
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`V${i}`, 'x']));

      expect(refusedPaths(RegisterImageRequest, request({ environment: { VALUE: 'x'.repeat(4097) } }))).toEqual(['environment.VALUE']);
      expect(refusedPaths(RegisterImageRequest, request({ environment: many }))).toEqual(['environment']);
    });
  });

  describe('source', () => {
    it('fails on an unknown source type, naming source.type', () => {
      expect(refusedPaths(RegisterImageRequest, request({ source: { type: 'dockerhub', imageUri: 'python:3' } }))).toEqual(['source.type']);
    });

    it('fails on build fields in an external source and the other way round', () => {
      expect(refusedPaths(RegisterImageRequest, request({ source: { type: 'external', imageUri: `${HOST}/scorer:1`, entry: build.entry } }))).toEqual([
        'source.entry',
      ]);
      expect(refusedPaths(RegisterImageRequest, request({ source: { ...build, imageUri: `${HOST}/scorer:1` } }))).toEqual(['source.imageUri']);
    });

    it('fails on an entry or requirements that are no S3 URIs', () => {
      expect(refusedPaths(RegisterImageRequest, request({ source: { type: 'build', entry: 'score.py', requirements: 'https://x/requirements.txt' } }))).toEqual(
        ['source.entry', 'source.requirements'],
      );
    });

    it('fails on an external image that is not in ECR, naming source.imageUri', () => {
      expect(refusedPaths(RegisterImageRequest, request({ source: { type: 'external', imageUri: 'docker.io/library/python:3.12' } }))).toEqual([
        'source.imageUri',
      ]);
    });
  });

  it('names every bad field at once', () => {
    const input = { name: 'Churn', models: [{ name: 'churn' }], source: { type: 'external', imageUri: 'nope' }, environment: { MLOPS_X: '1' }, colour: 'blue' };

    expect(refusedPaths(RegisterImageRequest, input)).toEqual(['colour', 'environment.MLOPS_X', 'models[0]', 'name', 'source.imageUri']);
  });
});

describe('EcrImageUri', () => {
  it.each([
    `${HOST}/scorer:v1`,
    `${HOST}/team/ml/scorer:1.2.3`,
    `${HOST}/team_a/scorer-x.y:latest`,
    `${HOST}/scorer:_underscore`,
    `${HOST}/scorer:${'t'.repeat(128)}`,
    `${HOST}/scorer@${DIGEST}`,
    '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/scorer:1',
  ])('accepts %s', (uri) => {
    expect(EcrImageUri.safeParse(uri).success).toBe(true);
  });

  it.each([
    ['no tag or digest', `${HOST}/scorer`],
    ['an empty tag', `${HOST}/scorer:`],
    ['a tag starting with "."', `${HOST}/scorer:.hidden`],
    ['a tag of 129 characters', `${HOST}/scorer:${'t'.repeat(129)}`],
    ['a short digest', `${HOST}/scorer@sha256:abc`],
    ['an uppercase digest', `${HOST}/scorer@sha256:${'AB'.repeat(32)}`],
    ['an uppercase repository', `${HOST}/Scorer:1`],
    ['a doubled separator', `${HOST}/team//scorer:1`],
    ['an 11-digit account', '12345678901.dkr.ecr.eu-west-1.amazonaws.com/scorer:1'],
    ['another registry', 'public.ecr.aws/docker/library/python:3.12'],
    ['Docker Hub', 'python:3.12'],
    ['a scheme', `https://${HOST}/scorer:1`],
  ])('fails on %s', (_, uri) => {
    expect(EcrImageUri.safeParse(uri).success).toBe(false);
  });
});

describe('BaseImage', () => {
  it.each([
    DEFAULT_BASE_IMAGE,
    `public.ecr.aws/docker/library/python@${DIGEST}`,
    `${HOST}/base/python:3.12`,
    'registry.example.com:5000/ml/python:3.12-cuda',
    'ghcr.io/org/image:v1',
  ])('accepts %s', (image) => {
    expect(BaseImage.safeParse(image).success).toBe(true);
  });

  it.each([
    ['no tag or digest', 'public.ecr.aws/docker/library/python'],
    ['no registry path (a Docker Hub short name)', 'python:3.12-slim'],
    ['an uppercase path', 'public.ecr.aws/Docker/python:3.12'],
    ['a space', 'public.ecr.aws/docker/library/python:3.12 AS base'],
    ['a newline', 'public.ecr.aws/docker/library/python:3.12\nRUN curl evil'],
  ])('fails on %s', (_, image) => {
    expect(BaseImage.safeParse(image).success).toBe(false);
  });
});

describe('ImageName', () => {
  it.each(['churn', 'churn-scorer', 'a', '2024-model', 'x'.repeat(100)])('accepts %s', (name) => {
    expect(ImageName.safeParse(name).success).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['uppercase', 'Churn'],
    ['an underscore', 'churn_scorer'],
    ['a dot', 'churn.scorer'],
    ['a leading hyphen', '-churn'],
    ['a trailing hyphen', 'churn-'],
    ['a doubled hyphen', 'churn--scorer'],
    ['over 100 characters', 'x'.repeat(101)],
  ])('fails on a name with %s', (_, name) => {
    expect(ImageName.safeParse(name).success).toBe(false);
  });
});

describe('QueryImagesRequest', () => {
  it('fills the page limit and takes an optional version', () => {
    expect(parseRequest(QueryImagesRequest, { query: 'listImages' })).toEqual({ query: 'listImages', limit: 25 });
    expect(parseRequest(QueryImagesRequest, { query: 'listImageVersions', name: 'churn-scorer', limit: 5 })).toEqual({
      query: 'listImageVersions',
      name: 'churn-scorer',
      limit: 5,
    });
    expect(parseRequest(QueryImagesRequest, { query: 'getImage', name: 'churn-scorer' })).toEqual({ query: 'getImage', name: 'churn-scorer' });
    expect(parseRequest(QueryImagesRequest, { query: 'getImage', name: 'churn-scorer', version: 2 })).toMatchObject({ version: 2 });
  });

  it('fails on an unknown query and on a bad name, naming each', () => {
    expect(refusedPaths(QueryImagesRequest, { query: 'deleteImage', name: 'x' })).toEqual(['query']);
    expect(refusedPaths(QueryImagesRequest, { query: 'getImage', name: 'Bad_Name', version: 0 })).toEqual(['name', 'version']);
  });
});
