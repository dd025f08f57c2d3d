import { apiGatewayEvent } from './api-gateway-event';

describe('apiGatewayEvent', () => {
  test.each([
    ['POST', '/api/2.0/mlflow/runs/create', 'POST /api/2.0/mlflow/runs/create'],
    ['GET', '/api/2.0/mlflow/logged-models/m-123', 'GET /api/2.0/mlflow/logged-models/{model_id}'],
    ['DELETE', '/api/2.0/mlflow/logged-models/m-123/tags/a%2Fb', 'DELETE /api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}'],
    ['POST', '/api/2.0/mlflow/logged-models/search', 'POST /api/2.0/mlflow/logged-models/search'],
    ['POST', '/api/3.0/mlflow/traces', 'ANY /api/3.0/mlflow/traces'],
    ['GET', '/api/3.0/mlflow/traces/tr-1/info', 'ANY /api/3.0/mlflow/traces/{proxy+}'],
    ['GET', '/api/2.0/mlflow/runs/create', '$default'],
    ['GET', '/api/2.0/mlflow/nope', '$default'],
  ])('gives %s %s the route key %s, as the MlflowApi routes do', (method, path, routeKey) => {
    const event = apiGatewayEvent(method, path);

    expect(event.routeKey).toBe(routeKey);
    expect(event.requestContext.routeKey).toBe(routeKey);
    expect(event.rawPath).toBe(path);
  });

  test('keeps repeated query keys in order in rawQueryString, joined by commas in queryStringParameters', () => {
    const event = apiGatewayEvent('GET', '/api/2.0/mlflow/experiments/search', { query: { order_by: ['name ASC', 'creation_time DESC'], max_results: '5' } });

    expect(event.rawQueryString).toBe('order_by=name+ASC&order_by=creation_time+DESC&max_results=5');
    expect(event.queryStringParameters).toEqual({ order_by: 'name ASC,creation_time DESC', max_results: '5' });
  });
});
