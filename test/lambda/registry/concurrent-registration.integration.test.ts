import type { ModelVersionRecord } from '../../../lambda/registry/core/model';
import type { ModelDetails } from '../../../lambda/registry/core/query-registry';
import type { Page } from '../../../lambda/shared/page';
import { createRegistryFixture, type RegistryFixture } from '../../emulators/registry-fixture';

// 100 registrations race on one model: give the optimistic retries room on a busy 2-core machine.
jest.setTimeout(90_000);

const CALLERS = 100;

let registry: RegistryFixture;

beforeAll(async () => {
  // No event observer: moto spends tens of milliseconds per delivered event, which is not what this measures.
  registry = await createRegistryFixture({ label: 'concurrent-registration', observeEvents: false });
});

afterAll(async () => {
  await registry?.dispose();
});

describe('concurrent registerModel', () => {
  test(`gives ${CALLERS} concurrent registrations of one model the versions 1..${CALLERS}, each once`, async () => {
    // Arrange: one artifact each, uploaded up front.
    const artifacts = await Promise.all(
      Array.from({ length: CALLERS }, (_, caller) => registry.putArtifact(`models/contended/caller-${caller}.bin`, `weights of caller ${caller}`)),
    );

    // Act
    const invocations = await Promise.all(
      artifacts.map((artifact, caller) =>
        registry.invoke('registerModel', { name: 'contended', artifact: { uri: artifact.uri }, tags: { caller: String(caller) } }),
      ),
    );

    // Assert: every caller got a distinct version, together exactly 1..100.
    const failures = invocations.flatMap((invocation) => ('result' in invocation ? [] : [`${invocation.errorType}: ${invocation.errorMessage}`]));
    expect(failures).toEqual([]);
    const versions = invocations.map((invocation) => ('result' in invocation ? invocation.result.version : 0));
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: CALLERS }, (_, i) => i + 1));

    // Each caller's version holds that caller's artifact.
    const listed = (await registry.call('queryRegistry', { query: 'listVersions', name: 'contended', limit: 100 })) as Page<ModelVersionRecord>;
    expect(listed.items).toHaveLength(CALLERS);
    expect(listed.items.map(({ version }) => version)).toEqual(Array.from({ length: CALLERS }, (_, i) => CALLERS - i));
    for (const version of listed.items) expect(version.artifact.uri).toBe(artifacts[Number(version.tags.caller)].uri);
    expect(versions[Number(listed.items[0].tags.caller)]).toBe(CALLERS);

    const model = (await registry.call('queryRegistry', { query: 'getModel', name: 'contended' })) as ModelDetails;
    expect(model.latestVersion).toBe(CALLERS);
  });
});
