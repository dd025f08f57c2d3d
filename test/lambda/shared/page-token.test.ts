import { ValidationError } from '../../../lambda/shared/errors';
import { decodePageToken, encodePageToken } from '../../../lambda/shared/page-token';

const lastKey = { pk: 'M#churn', sk: 'V#0000000003' };

/** The path a ValidationError names, or fails when `act` does not throw one. */
function refusedPath(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.path).join(',');
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('page tokens', () => {
  it('round-trip the key to resume from within the same query', () => {
    const token = encodePageToken(['versions', 'churn'], lastKey);

    expect(decodePageToken(['versions', 'churn'], token)).toEqual(lastKey);
  });

  it('are URL-safe', () => {
    const token = encodePageToken(['versions', 'churn'], { pk: 'M#churn', sk: '\u00ff\u00fe?>>' });

    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('are absent when there is no next page', () => {
    expect(encodePageToken(['versions', 'churn'], undefined)).toBeUndefined();
  });

  it('decode to no start key on a first page', () => {
    expect(decodePageToken(['versions', 'churn'], undefined)).toBeUndefined();
  });

  it('fail at nextToken when made by another query', () => {
    const token = encodePageToken(['versions', 'churn'], lastKey);

    expect(refusedPath(() => decodePageToken(['versions', 'fraud'], token))).toBe('nextToken');
  });

  it('fail at nextToken when made by a query whose arguments only concatenate the same', () => {
    const token = encodePageToken(['tag', 'a=b', 'c', null], lastKey);

    expect(refusedPath(() => decodePageToken(['tag', 'a', 'b=c', null], token))).toBe('nextToken');
  });

  it.each([
    ['not base64 JSON', 'not-a-token'],
    ['truncated', encodePageToken(['versions', 'churn'], lastKey)!.slice(0, 20)],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['without a key', Buffer.from(JSON.stringify({ s: JSON.stringify(['versions', 'churn']) })).toString('base64url')],
    ['with a scalar key', Buffer.from(JSON.stringify({ s: JSON.stringify(['versions', 'churn']), k: 'M#churn' })).toString('base64url')],
  ])('fail at nextToken when %s', (_, token) => {
    expect(refusedPath(() => decodePageToken(['versions', 'churn'], token))).toBe('nextToken');
  });
});
