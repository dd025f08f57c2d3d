import { baseImageRefusal, externalImageRefusal, normalizeIndexUrl, registryOf } from '../../../../lambda/images/core/supply-chain';

const ACCOUNT_REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const SOURCES = { baseImageRegistries: ['public.ecr.aws', ACCOUNT_REGISTRY], packageIndexes: ['https://pypi.org/simple'] };

describe('registryOf', () => {
  it.each([
    ['public.ecr.aws/docker/library/python:3.12-slim', 'public.ecr.aws'],
    [`${ACCOUNT_REGISTRY}/base/python@sha256:${'a'.repeat(64)}`, ACCOUNT_REGISTRY],
    ['registry.example.com:5000/python:3.12', 'registry.example.com:5000'],
    ['localhost/python:3.12', 'localhost'],
    ['library/python:3.12', 'docker.io'],
    ['someone/python:3.12', 'docker.io'],
    ['docker.io/library/python:3.12', 'docker.io'],
  ])('reads %s as pulled from %s, as Docker does', (reference, registry) => {
    expect(registryOf(reference)).toBe(registry);
  });
});

describe('baseImageRefusal', () => {
  it.each(['public.ecr.aws/docker/library/python:3.12-slim', `${ACCOUNT_REGISTRY}/base/python:3.12`])('accepts %s, from an allowed registry', (reference) => {
    expect(baseImageRefusal(reference, SOURCES)).toBeUndefined();
  });

  it.each([
    ['Docker Hub by its short name', 'library/python:3.12', 'docker.io'],
    ['Docker Hub by name', 'docker.io/library/python:3.12', 'docker.io'],
    ['another registry', 'ghcr.io/someone/python:3.12', 'ghcr.io'],
    ['a registry whose name starts like an allowed one', 'public.ecr.aws.attacker.example/python:3.12', 'public.ecr.aws.attacker.example'],
    ["another account's ECR registry", '210987654321.dkr.ecr.eu-west-1.amazonaws.com/python:3.12', '210987654321.dkr.ecr.eu-west-1.amazonaws.com'],
  ])('refuses %s, naming the registries allowed', (_, reference, registry) => {
    expect(baseImageRefusal(reference, SOURCES)).toBe(`must come from a registry this platform allows (public.ecr.aws, ${ACCOUNT_REGISTRY}), not ${registry}`);
  });
});

describe('externalImageRefusal', () => {
  const EXTERNAL = { registry: ACCOUNT_REGISTRY, repositories: ['shared-base', 'team-models/*'] };

  it.each([
    `${ACCOUNT_REGISTRY}/shared-base:fraud-1`,
    `${ACCOUNT_REGISTRY}/team-models/churn:v7`,
    `${ACCOUNT_REGISTRY}/team-models/churn@sha256:${'b'.repeat(64)}`,
  ])('accepts %s, in an allowed repository', (uri) => {
    expect(externalImageRefusal(uri, EXTERNAL)).toBeUndefined();
  });

  it.each([
    ['a repository not named', `${ACCOUNT_REGISTRY}/other/churn:v1`],
    ['a repository that only starts like an exact name', `${ACCOUNT_REGISTRY}/shared-base-2:v1`],
    ['the prefix without its "/"', `${ACCOUNT_REGISTRY}/team-models-x/churn:v1`],
    ["another account's registry", '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team-models/churn:v1'],
    ['another region', '123456789012.dkr.ecr.us-east-1.amazonaws.com/team-models/churn:v1'],
  ])('refuses %s', (_, uri) => {
    expect(externalImageRefusal(uri, EXTERNAL)).toBe(`must be in a repository of ${ACCOUNT_REGISTRY} this platform may read (shared-base, team-models/*)`);
  });

  it('refuses every image when the deployer named no repository, the default', () => {
    expect(externalImageRefusal(`${ACCOUNT_REGISTRY}/team-models/churn:v7`, { registry: ACCOUNT_REGISTRY, repositories: [] })).toBe(
      'is refused: this platform registers no images built elsewhere (its deployer named no repository for them)',
    );
  });
});

describe('normalizeIndexUrl', () => {
  it('lowercases the scheme and host and drops a trailing "/", keeping the path as written', () => {
    expect(normalizeIndexUrl('HTTPS://PyPI.org/Simple/')).toBe('https://pypi.org/Simple');
  });
});
