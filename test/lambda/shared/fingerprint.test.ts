import { fingerprint } from '../../../lambda/shared/fingerprint';

describe('fingerprint', () => {
  it('is a hex SHA-256 digest', () => {
    expect(fingerprint({ name: 'churn' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order at any depth', () => {
    const a = { name: 'churn', metrics: { auc: 0.9, f1: 0.8 }, artifact: { uri: 's3://b/k', sha256: 'ab' } };
    const b = { artifact: { sha256: 'ab', uri: 's3://b/k' }, metrics: { f1: 0.8, auc: 0.9 }, name: 'churn' };

    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('ignores properties that are undefined', () => {
    expect(fingerprint({ name: 'churn', description: undefined })).toBe(fingerprint({ name: 'churn' }));
  });

  it.each([
    ['a value', { name: 'churn', metrics: { auc: 0.9 } }, { name: 'churn', metrics: { auc: 0.91 } }],
    ['a nested key', { name: 'churn', tags: { a: '1' } }, { name: 'churn', tags: { b: '1' } }],
    ['array order', { datasets: ['train', 'test'] }, { datasets: ['test', 'train'] }],
    ['a type', { version: 1 }, { version: '1' }],
    ['null against absent', { expected: null }, {}],
  ])('differs when %s differs', (_, a, b) => {
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });
});
