import { imageKeys } from '../../../../lambda/images/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { FUNCTION_ENVIRONMENT, inputsOf, invoke, type PlatformFakes, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import {
  buildingVersion,
  committed,
  externalVersion,
  IMAGE,
  NOW,
  packageRecords,
  queryImagesScenarios,
  readyVersion,
  registeredImages,
  SERVED_MODELS,
  storedState,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(queryImagesScenarios, name);

const TABLE_NAME = FUNCTION_ENVIRONMENT.IMAGES_TABLE_NAME;
const READY_V1 = readyVersion(1, SERVED_MODELS, packageRecords(SERVED_MODELS));
const BUILDING_V2 = buildingVersion(2);
const imageRecord = (name: string, latestVersion: number) => ({ name, createdAt: NOW, updatedAt: NOW, latestVersion });

/** A query that must write nothing. */
async function answered(fakes: PlatformFakes, query: unknown): Promise<any> {
  const before = storedState(fakes);
  const result = await invoke('QueryImages', query);
  expect(storedState(fakes)).toEqual(before);
  return result;
}

describe('QueryImages handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
  });

  describe('getImage', () => {
    it("answers the image's latest version when no version is given, read newest first, one item, strongly consistent", async () => {
      const { result } = await runScenario('QueryImages', scenario('getImage, its latest version'));

      expect(result).toEqual(BUILDING_V2);
      expect(inputsOf('QueryCommand')).toEqual([
        {
          TableName: TABLE_NAME,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `I#${IMAGE}`, ':prefix': 'V#' },
          ConsistentRead: true,
          ScanIndexForward: false,
          Limit: 1,
          ExclusiveStartKey: undefined,
        },
      ]);
    });

    it('answers the version asked for, without table keys', async () => {
      const { result } = await runScenario('QueryImages', scenario('getImage by version'));

      expect(result).toEqual(READY_V1);
      expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: imageKeys.version(IMAGE, 1), ConsistentRead: true }]);
    });

    it.each([
      ['an unknown image', { query: 'getImage', name: 'fraud-tree' }, 'image fraud-tree has no versions'],
      ['an unknown version', { query: 'getImage', name: IMAGE, version: 9 }, `image ${IMAGE} has no version 9`],
      ['a version of an unknown image', { query: 'getImage', name: 'fraud-tree', version: 1 }, 'image fraud-tree has no version 1'],
    ])('fails with NotFoundError for %s, writing nothing', async (_, query, message) => {
      registeredImages(fakes);
      const before = storedState(fakes);

      const error = await thrownBy(invoke('QueryImages', query));

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(message);
      expect(storedState(fakes)).toEqual(before);
    });
  });

  describe('listImages', () => {
    it('lists the images by name from the index, each with its latest version', async () => {
      const { result } = await runScenario('QueryImages', scenario('listImages'));

      expect(result).toEqual({
        items: [
          { ...imageRecord(IMAGE, 2), latest: BUILDING_V2 },
          { ...imageRecord('fraud-serving', 1), latest: externalVersion() },
        ],
      });
      expect(inputsOf('QueryCommand')[0]).toEqual({
        TableName: TABLE_NAME,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :images',
        ExpressionAttributeValues: { ':images': 'IMAGES' },
        Limit: 25,
        ExclusiveStartKey: undefined,
      });
      expect(
        inputsOf('QueryCommand')
          .slice(1)
          .map((input) => input.ExpressionAttributeValues[':pk']),
      ).toEqual([`I#${IMAGE}`, 'I#fraud-serving']);
    });

    it('pages through the images, the token of each page resuming after it', async () => {
      registeredImages(fakes);

      const first = await answered(fakes, { query: 'listImages', limit: 1 });
      const second = await answered(fakes, { query: 'listImages', limit: 1, nextToken: first.nextToken });
      // DynamoDB stops at the limit without looking further: a page ending on the last image still has a token.
      const third = await answered(fakes, { query: 'listImages', limit: 1, nextToken: second.nextToken });

      expect(first).toEqual({ items: [{ ...imageRecord(IMAGE, 2), latest: BUILDING_V2 }], nextToken: expect.any(String) });
      expect(second).toEqual({ items: [{ ...imageRecord('fraud-serving', 1), latest: externalVersion() }], nextToken: expect.any(String) });
      expect(third).toEqual({ items: [] });
      expect(
        inputsOf('QueryCommand')
          .filter((input) => input.IndexName === 'gsi1')
          .map((input) => input.ExclusiveStartKey),
      ).toEqual([
        undefined,
        { ...imageKeys.image(IMAGE), ...imageKeys.imageIndex(IMAGE) },
        { ...imageKeys.image('fraud-serving'), ...imageKeys.imageIndex('fraud-serving') },
      ]);
    });

    it('answers no images when none is registered', async () => {
      const result = await answered(fakes, { query: 'listImages' });

      expect(result).toEqual({ items: [] });
    });
  });

  describe('listImageVersions', () => {
    it("lists an image's versions newest first, leaving out its tokens and served-model entries", async () => {
      const { result } = await runScenario('QueryImages', scenario('listImageVersions'));

      expect(result).toEqual({ items: [BUILDING_V2, READY_V1] });
      expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: imageKeys.image(IMAGE), ConsistentRead: true }]);
      expect(inputsOf('QueryCommand')).toEqual([
        {
          TableName: TABLE_NAME,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `I#${IMAGE}`, ':prefix': 'V#' },
          ConsistentRead: true,
          ScanIndexForward: false,
          Limit: 25,
          ExclusiveStartKey: undefined,
        },
      ]);
    });

    it('pages through the versions, the token of each page resuming after it', async () => {
      registeredImages(fakes);
      committed(fakes, buildingVersion(3), 3);

      const first = await answered(fakes, { query: 'listImageVersions', name: IMAGE, limit: 2 });
      const second = await answered(fakes, { query: 'listImageVersions', name: IMAGE, limit: 2, nextToken: first.nextToken });

      expect(first).toEqual({ items: [buildingVersion(3), BUILDING_V2], nextToken: expect.any(String) });
      expect(second).toEqual({ items: [READY_V1] });
      expect(inputsOf('QueryCommand')[1].ExclusiveStartKey).toEqual(imageKeys.version(IMAGE, 2));
    });

    it('fails with NotFoundError for an unknown image, before querying', async () => {
      registeredImages(fakes);

      const error = await thrownBy(invoke('QueryImages', { query: 'listImageVersions', name: 'fraud-tree' }));

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe('image fraud-tree does not exist');
      expect(inputsOf('QueryCommand')).toEqual([]);
    });

    it("fails with ValidationError at nextToken for a token of another image's versions", async () => {
      registeredImages(fakes);
      committed(fakes, { ...externalVersion(), version: 2 }, 2);
      const { nextToken } = await answered(fakes, { query: 'listImageVersions', name: 'fraud-serving', limit: 1 });

      const error = await thrownBy(invoke('QueryImages', { query: 'listImageVersions', name: IMAGE, limit: 1, nextToken }));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('nextToken: is not a token returned by this query');
    });
  });

  describe('invalid queries', () => {
    it.each([
      ['an unknown query', { query: 'deleteImage', name: IMAGE }, /^query: /],
      ['getImage without a name', { query: 'getImage' }, /^name: /],
      ['an image name with capitals', { query: 'getImage', name: 'Fraud' }, /^name: must hold only lowercase letters, digits and single "-" between them$/],
      ['version 0', { query: 'getImage', name: IMAGE, version: 0 }, /^version: /],
      ['a page of over 100 images', { query: 'listImages', limit: 101 }, /^limit: /],
      ['a field of another query', { query: 'listImages', name: IMAGE }, /^name: is not a known field$/],
    ])('fails with ValidationError for %s, sending nothing', async (_, query, message) => {
      registeredImages(fakes);

      const error = await thrownBy(invoke('QueryImages', query));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(sentCommands()).toEqual([]);
    });
  });
});
