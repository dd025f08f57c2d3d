import { parseEcrImageUri, pinnedImageUri } from '../../../../lambda/images/core/ecr-uri';
import { EcrImageUri } from '../../../../lambda/images/core/schemas';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseEcrImageUri', () => {
  it.each([
    ['a tag', `${HOST}/scorer:v1.2`, { registryId: '123456789012', repository: 'scorer', tag: 'v1.2' }],
    ['a namespaced repository', `${HOST}/team/ml/scorer:latest`, { registryId: '123456789012', repository: 'team/ml/scorer', tag: 'latest' }],
    ['a digest', `${HOST}/team/scorer@${DIGEST}`, { registryId: '123456789012', repository: 'team/scorer', digest: DIGEST }],
    ['a China region host', `210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/scorer:1`, { registryId: '210987654321', repository: 'scorer', tag: '1' }],
  ])('reads the account, repository and reference of an image with %s', (_, uri, expected) => {
    expect(EcrImageUri.safeParse(uri).success).toBe(true);

    expect(parseEcrImageUri(uri)).toEqual(expected);
  });
});

describe('pinnedImageUri', () => {
  it('replaces the tag with the digest', () => {
    expect(pinnedImageUri(`${HOST}/team/scorer:v1.2`, DIGEST)).toBe(`${HOST}/team/scorer@${DIGEST}`);
  });

  it('replaces a digest with the one given', () => {
    expect(pinnedImageUri(`${HOST}/scorer@sha256:${'0'.repeat(64)}`, DIGEST)).toBe(`${HOST}/scorer@${DIGEST}`);
  });

  it('keeps the registry host, China partition included', () => {
    expect(pinnedImageUri('210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/scorer:1', DIGEST)).toBe(
      `210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/scorer@${DIGEST}`,
    );
  });
});
