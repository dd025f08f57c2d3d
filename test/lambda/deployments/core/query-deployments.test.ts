import { createDeployment } from '../../../../lambda/deployments/core/create-deployment';
import { queryDeployments } from '../../../../lambda/deployments/core/query-deployments';
import { CreateDeploymentRequest, QueryDeploymentsRequest } from '../../../../lambda/deployments/core/schemas';
import { NotFoundError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { refusedPaths } from '../../shared/refused-paths';
import { fakeDeploymentDependencies, RecordingHosting, readyImage } from '../fakes';

const noTraffic = async () => {
  throw new Error('no traffic query in these tests');
};

async function setUp() {
  const failing = new RecordingHosting({ call: 'createEndpoint', error: Object.assign(new Error('quota'), { name: 'ResourceLimitExceeded' }) });
  const deps = fakeDeploymentDependencies({ images: [readyImage('churn-scorer', 1)], hosting: failing });
  for (const name of ['b-api', 'a-api']) await createDeployment(deps)(parseRequest(CreateDeploymentRequest, { name, image: 'churn-scorer', version: 1 }));
  const query = (request: Record<string, unknown>) => queryDeployments(deps.store, noTraffic)(parseRequest(QueryDeploymentsRequest, request));
  return { query };
}

describe('queryDeployments', () => {
  it('answers one deployment, the deployments by name, and a history newest first', async () => {
    const { query } = await setUp();

    expect(await query({ query: 'getDeployment', name: 'a-api' })).toMatchObject({ name: 'a-api', status: 'FAILED' });
    expect(await query({ query: 'listDeployments' })).toEqual({
      items: [expect.objectContaining({ name: 'a-api' }), expect.objectContaining({ name: 'b-api' })],
    });
    expect(await query({ query: 'deploymentHistory', name: 'a-api' })).toEqual({
      items: [expect.objectContaining({ from: 'CREATING', to: 'FAILED' }), expect.objectContaining({ to: 'CREATING', reason: 'created' })],
    });
  });

  it('answers NotFoundError for a deployment that does not exist, and refuses an unknown query naming the field', async () => {
    const { query } = await setUp();

    await expect(query({ query: 'getDeployment', name: 'nowhere' })).rejects.toThrow(NotFoundError);
    await expect(query({ query: 'deploymentHistory', name: 'nowhere' })).rejects.toThrow('no deployment named nowhere');
    expect(refusedPaths(QueryDeploymentsRequest, { query: 'everything' })).toEqual(['query']);
  });
});
