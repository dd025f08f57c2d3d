/**
 * Issue 14's error contract on DynamoDB Local: a refused registration or run start takes no version
 * or run number and leaves no item, whatever it was refused for; a key named `constructor` is data.
 */
import { createRegistryFixture, type RegistryFixture } from '../../emulators/registry-fixture';
import { createTrackingFixture, type TrackingFixture } from '../../emulators/tracking-fixture';

jest.setTimeout(60_000);

let registry: RegistryFixture;
let tracking: TrackingFixture;

beforeAll(async () => {
  [registry, tracking] = await Promise.all([createRegistryFixture({ label: 'hostile-payloads' }), createTrackingFixture({ label: 'hostile-payloads' })]);
});

afterAll(async () => {
  await Promise.all([registry?.dispose(), tracking?.dispose()]);
});

/** A request as JSON from the wire: a `__proto__` key is an own key there, not the prototype. */
const fromJson = <T>(json: string): T => JSON.parse(json) as T;

const itemsOf = (items: Record<string, unknown>[], name: string) => items.filter((item) => item.name === name || String(item.pk).includes(name));

describe('RegisterModel', () => {
  it.each([
    ['a metric of 1e308', (uri: string) => ({ name: 'hostile-overflow', artifact: { uri }, metrics: { auc: 1e308 } }), 'metrics.auc'],
    ['a metric of 5e-324', (uri: string) => ({ name: 'hostile-underflow', artifact: { uri }, metrics: { auc: 5e-324 } }), 'metrics.auc'],
    ['a metric of 2^63', (uri: string) => ({ name: 'hostile-2-63', artifact: { uri }, metrics: { rows: 2 ** 63 } }), 'metrics.rows'],
    [
      'a __proto__ parameter',
      (uri: string) => fromJson(`{"name": "hostile-proto", "artifact": {"uri": "${uri}"}, "parameters": {"__proto__": {"polluted": "yes"}}}`),
      'parameters.__proto__',
    ],
    ['a description with an OSC escape', (uri: string) => ({ name: 'hostile-osc', artifact: { uri }, description: 'fine\u001b]0;pwned\u0007' }), 'description'],
  ])('refuses %s, leaving no model, no counter and no item', async (_, request, path) => {
    const artifact = await registry.putArtifact(`models/hostile/${path}.bin`, 'weights');
    const payload = request(artifact.uri) as { name: string };

    const invocation = await registry.invoke('registerModel', payload as never);

    expect(invocation).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: expect.stringMatching(new RegExp(`(^|; )${path.replace(/[.^]/g, '\\$&')}: `)),
    });
    expect(itemsOf(await registry.tableItems(), payload.name)).toEqual([]);
    expect(await registry.invoke('queryRegistry', { query: 'getModel', name: payload.name })).toMatchObject({ errorType: 'NotFoundError' });
  });

  it('registers version 1 with metrics, parameters and tags named constructor, toString and valueOf, and reads them back', async () => {
    const artifact = await registry.putArtifact('models/prototype-names/model.bin', 'weights');
    const names = { constructor: 'a', toString: 'b', valueOf: 'c' };

    const registered = await registry.call('registerModel', {
      name: 'prototype-names',
      artifact: { uri: artifact.uri },
      metrics: { constructor: 0.5, toString: 1, valueOf: 2 },
      parameters: names,
      tags: names,
      properties: names,
    });
    const version = await registry.call('queryRegistry', { query: 'getVersion', name: 'prototype-names', version: 1 });

    expect(registered.version).toBe(1);
    expect(version).toMatchObject({ metrics: { constructor: 0.5, toString: 1, valueOf: 2 }, parameters: names, tags: names, properties: names });
    expect(Object.hasOwn((version as { metrics: object }).metrics, 'constructor')).toBe(true);
  });
});

describe('StartRun', () => {
  it.each([
    ['a __proto__ param', fromJson<object>('{"experiment": "hostile-start", "params": {"__proto__": "x"}}'), 'params.__proto__'],
    ['a C1 control in the description', { experiment: 'hostile-start', description: 'x\u009b31m' }, 'description'],
    ['a NUL in the command', { experiment: 'hostile-start', command: 'python train.py\u0000' }, 'command'],
  ])('refuses %s, taking no run number', async (_, request, path) => {
    const invocation = await tracking.invoke('startRun', request as never);

    expect(invocation).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: expect.stringMatching(new RegExp(`(^|; )${path.replace(/[.^]/g, '\\$&')}: `)),
    });
    expect(itemsOf(await tracking.tableItems(), 'hostile-start')).toEqual([]);
  });

  it('gives the first run after refused ones run number 1, with a param named constructor', async () => {
    const run = await tracking.call('startRun', { experiment: 'hostile-start', params: { constructor: 'x', toString: 'y' } });
    const read = await tracking.call('queryRuns', { query: 'getRun', runId: run.runId });

    expect(run.runNumber).toBe(1);
    expect(read).toMatchObject({ runNumber: 1, params: { constructor: 'x', toString: 'y' } });
  });

  it('logs a metric named constructor and refuses a value of 1e308 without changing the run', async () => {
    const run = await tracking.call('startRun', { experiment: 'hostile-log' });
    await tracking.call('logMetrics', { runId: run.runId, metrics: [{ name: 'constructor', value: 0.5, step: 1 }], params: { valueOf: '1' } });
    const before = await tracking.tableItems();

    const invocation = await tracking.invoke('logMetrics', { runId: run.runId, metrics: [{ name: 'loss', value: 1e308, step: 2 }] });

    expect(invocation).toMatchObject({ errorType: 'ValidationError', errorMessage: expect.stringMatching(/^metrics\[0\]\.value: /) });
    expect(await tracking.tableItems()).toEqual(before);
    expect(await tracking.call('queryRuns', { query: 'getRun', runId: run.runId })).toMatchObject({
      revision: 1,
      metrics: { constructor: { last: 0.5 } },
      params: { valueOf: '1' },
    });
  });
});
