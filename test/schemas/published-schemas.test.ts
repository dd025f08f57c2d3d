import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { publishedJsonSchemas } from '../../lambda/shared/json-schemas';

const published = (operation: string) => JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'schemas', `${operation}.request.json`), 'utf8'));

describe('published JSON Schemas', () => {
  const generated = publishedJsonSchemas();

  test.each(Object.keys(generated))('schemas/%s.request.json is what the zod schema generates (run `npm run schemas`)', (operation) => {
    expect(published(operation)).toEqual(generated[operation]);
  });

  test('RegisterModel requires a name and an artifact and refuses unknown fields', () => {
    expect(published('RegisterModel')).toMatchObject({ type: 'object', required: ['name', 'artifact'], additionalProperties: false });
  });

  test('QueryRegistry offers one shape per query kind', () => {
    const kinds = (published('QueryRegistry').oneOf ?? published('QueryRegistry').anyOf).map(
      (shape: { properties: { query: { const: string } } }) => shape.properties.query.const,
    );
    expect(kinds.sort()).toEqual(['aliasHistory', 'findVersions', 'getModel', 'getVersion', 'listModels', 'listVersions']);
  });

  test('LogMetrics bounds a batch at 1000 points, each with a name and a value', () => {
    const metrics = published('LogMetrics').properties.metrics;
    expect(metrics).toMatchObject({ type: 'array', maxItems: 1000, items: { type: 'object', required: ['name', 'value'] } });
  });

  test('QueryRuns offers one shape per query kind', () => {
    const kinds = (published('QueryRuns').oneOf ?? published('QueryRuns').anyOf).map(
      (shape: { properties: { query: { const: string } } }) => shape.properties.query.const,
    );
    expect(kinds.sort()).toEqual(['getRun', 'getRuns', 'listExperiments', 'listRuns', 'metricHistory']);
  });

  test('RegisterImage takes a build from uploaded files or an ECR image, one shape each', () => {
    const sources = published('RegisterImage').properties.source;
    const types = (sources.oneOf ?? sources.anyOf).map((shape: { properties: { type: { const: string } } }) => shape.properties.type.const);
    expect(types.sort()).toEqual(['build', 'external']);
    expect(published('RegisterImage')).toMatchObject({ required: expect.arrayContaining(['name', 'models', 'source']), additionalProperties: false });
  });

  test('the monitoring and image queries offer one shape per query kind', () => {
    const kinds = (operation: string) =>
      (published(operation).oneOf ?? published(operation).anyOf)
        .map((shape: { properties: { query: { const: string } } }) => shape.properties.query.const)
        .sort();
    expect(kinds('QueryImages')).toEqual(['getImage', 'listImageVersions', 'listImages']);
    expect(kinds('QueryMonitoring').length).toBeGreaterThan(0);
  });
});
