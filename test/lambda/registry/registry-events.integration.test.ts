import { REGISTRY_EVENT_SOURCE } from '../../../lambda/registry/adapters/eventbridge-publisher';
import { createRegistryFixture, type ObservedEvent, type RegistryFixture } from '../../emulators/registry-fixture';

jest.setTimeout(30_000);

let registry: RegistryFixture;

/** The events about one model (each test uses its own), as a rule on the bus received them. */
const eventsAbout = async (name: string): Promise<ObservedEvent[]> => (await registry.events()).filter(({ detail }) => detail.name === name);

beforeAll(async () => {
  registry = await createRegistryFixture({ label: 'registry-events' });
});

afterAll(async () => {
  await registry?.dispose();
});

describe('registry events on the bus', () => {
  test('registerModel puts a ModelVersionRegistered event carrying the version record', async () => {
    // Act
    const registered = await registry.registerVersion('announced', { tags: { team: 'risk' }, metrics: { auc: 0.9 }, actor: 'alice' });

    // Assert
    expect(await eventsAbout('announced')).toEqual([
      {
        id: expect.any(String),
        source: REGISTRY_EVENT_SOURCE,
        detailType: 'ModelVersionRegistered',
        detail: {
          name: 'announced',
          version: 1,
          createdAt: registered.createdAt,
          createdBy: 'alice',
          artifact: registered.artifact,
          metrics: { auc: 0.9 },
          parameters: {},
          tags: { team: 'risk' },
          properties: {},
          datasets: [],
        },
      },
    ]);
  });

  test('setModelAlias puts a ModelAliasChanged event with the move, its actor and reason', async () => {
    // Arrange
    await registry.registerVersion('promoted');
    await registry.registerVersion('promoted');
    await registry.call('setModelAlias', { name: 'promoted', alias: 'production', version: 1 });

    // Act
    const moved = await registry.call('setModelAlias', { name: 'promoted', alias: 'production', version: 2, actor: 'bob', reason: 'better auc' });

    // Assert
    const aliasEvents = (await eventsAbout('promoted')).filter(({ detailType }) => detailType === 'ModelAliasChanged');
    expect(aliasEvents.map(({ detail }) => detail)).toEqual([
      { name: 'promoted', alias: 'production', revision: 1, toVersion: 1, changedAt: expect.any(String) },
      { name: 'promoted', alias: 'production', revision: 2, fromVersion: 1, toVersion: 2, changedAt: moved.changedAt, changedBy: 'bob', reason: 'better auc' },
    ]);
  });

  test('puts the ModelVersionRegistered event again when a clientToken retry replays the registration', async () => {
    // Arrange
    const artifact = await registry.putArtifact('models/replayed/model.bin', 'weights');
    const request = { name: 'replayed', artifact: { uri: artifact.uri }, clientToken: 'run-1' };
    await registry.call('registerModel', request);

    // Act
    await registry.call('registerModel', request);

    // Assert
    const events = await eventsAbout('replayed');
    expect(events.map(({ detailType, detail }) => [detailType, detail.version])).toEqual([
      ['ModelVersionRegistered', 1],
      ['ModelVersionRegistered', 1],
    ]);
    expect(events[1].detail).toEqual(events[0].detail);
  });

  test('puts the last ModelAliasChanged event again when an alias is set to where it already points', async () => {
    // Arrange: a retry of a move whose event may not have been put.
    await registry.registerVersion('re-announced');
    await registry.call('setModelAlias', { name: 're-announced', alias: 'production', version: 1, actor: 'alice', reason: 'first release' });
    const [original] = (await eventsAbout('re-announced')).filter(({ detailType }) => detailType === 'ModelAliasChanged');

    // Act
    await registry.call('setModelAlias', { name: 're-announced', alias: 'production', version: 1, actor: 'alice', reason: 'first release' });

    // Assert: the same move (consumers dedupe on name, alias and revision) as a new event.
    const aliasEvents = (await eventsAbout('re-announced')).filter(({ detailType }) => detailType === 'ModelAliasChanged');
    expect(aliasEvents).toHaveLength(2);
    expect(aliasEvents[1].detail).toEqual(original.detail);
    expect(aliasEvents[1].id).not.toBe(original.id);
  });

  test('puts no event for a refused registration or a refused alias move', async () => {
    // Arrange
    await registry.registerVersion('quiet');
    await registry.call('setModelAlias', { name: 'quiet', alias: 'production', version: 1 });
    const before = await eventsAbout('quiet');

    // Act
    await registry.invoke('registerModel', { name: 'quiet', artifact: { uri: `s3://${registry.artifactBucketName}/models/quiet/missing.bin` } });
    await registry.invoke('setModelAlias', { name: 'quiet', alias: 'production', version: 9 });
    await registry.invoke('setModelAlias', { name: 'quiet', alias: 'production', version: 1, expectedVersion: null });

    // Assert
    expect(await eventsAbout('quiet')).toEqual(before);
  });
});
