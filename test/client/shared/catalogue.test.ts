import {
  CAPABILITIES,
  functionPublications,
  INTERNAL_FUNCTIONS,
  OPERATIONS,
  operationsOf,
  optionKey,
  publications,
  RESOURCES,
  STACK_OUTPUTS,
  stackOutput,
} from '../../../client/shared/catalogue';

const duplicates = (values: readonly string[]) => values.filter((value, index) => values.indexOf(value) !== index);
const operations = Object.values(OPERATIONS);
const resources = Object.values(RESOURCES);
const flagged = [...operations, ...resources.filter((resource) => 'flag' in resource)] as { flag: string; env: string }[];

describe('the catalogue', () => {
  it('names every stack output, SSM parameter, flag, environment variable and function once', () => {
    expect(duplicates(publications().map(({ output }) => output))).toEqual([]);
    expect(duplicates(publications().map(({ parameter }) => parameter))).toEqual([]);
    expect(duplicates(flagged.map(({ flag }) => flag))).toEqual([]);
    expect(duplicates(flagged.map(({ flag }) => optionKey(flag)))).toEqual([]);
    expect(duplicates(flagged.map(({ env }) => env))).toEqual([]);
    expect(duplicates([...operations, ...Object.values(INTERNAL_FUNCTIONS)].map(({ functionId }) => functionId))).toEqual([]);
  });

  it('keys the local descriptor by operation and resource, never one name for two things', () => {
    const localResources = Object.keys(RESOURCES).filter((resource) => RESOURCES[resource as keyof typeof RESOURCES].local);
    const descriptorKeys = [...Object.keys(OPERATIONS), ...localResources];

    expect(duplicates([...descriptorKeys, ...Object.keys(INTERNAL_FUNCTIONS)])).toEqual([]);
    expect(localResources.sort()).toEqual(['artifactBucket', 'eventBus', 'monitoringBucket']);
  });

  it('gives each environment variable the flag’s name, MLOPS_ and upper case', () => {
    for (const { flag, env } of flagged) expect(env).toBe(`MLOPS_${flag.slice(2).replaceAll('-', '_').toUpperCase()}`);
  });

  it('puts each function’s SSM parameter under its capability', () => {
    for (const { capability, parameter } of operations) expect(parameter).toMatch(new RegExp(`^${capability}/[a-z-]+-function$`));
  });

  it('publishes each function’s name and, except the sweep’s, its ARN, named after the function', () => {
    expect(functionPublications('registerModel')).toEqual({
      name: { output: 'RegisterModelFunctionName', parameter: 'registry/register-model-function', description: 'RegisterModel function name' },
      arn: { output: 'RegisterModelFunctionArn', parameter: 'registry/register-model-function-arn', description: 'RegisterModel function ARN' },
    });
    expect(functionPublications('sweepRuns').arn).toBeUndefined();
    expect(publications()).toHaveLength(2 * operations.length - 1 + resources.length);
  });

  it('keeps the outputs deployed stacks publish today', () => {
    expect(stackOutput('queryImages')).toBe('QueryImagesFunctionName');
    expect(stackOutput('artifactBucket')).toBe('ArtifactBucketName');
    expect(STACK_OUTPUTS.queryRunsFunctionArn).toBe('QueryRunsFunctionArn');
    expect(STACK_OUTPUTS.imageRepositoryUri).toBe('ImageRepositoryUri');
    expect(Object.keys(STACK_OUTPUTS)).toHaveLength(publications().length);
  });

  it('gives every capability operations, and needs only resources it lists', () => {
    for (const capability of Object.keys(CAPABILITIES) as (keyof typeof CAPABILITIES)[]) {
      expect(operationsOf(capability).length).toBeGreaterThan(0);
      for (const resource of CAPABILITIES[capability].resources) expect(RESOURCES).toHaveProperty(resource);
    }
    expect(operationsOf('images')).toEqual(['registerImage', 'queryImages']);
  });
});
