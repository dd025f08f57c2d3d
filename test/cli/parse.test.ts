import { InvalidArgumentError } from 'commander';
import { collectDataset, collectMetric, collectPair, parseExpectedVersion, parseModelReference, parseTagFilter } from '../../cli/parse';

describe('CLI argument parsers', () => {
  it('collects repeated key=value pairs, splitting at the first "="', () => {
    const pairs = collectPair('b=x=y', collectPair('a=1'));

    expect(pairs).toEqual({ a: '1', b: 'x=y' });
  });

  it('reads metric values as numbers, exponents included', () => {
    expect(collectMetric('loss=1e-3', collectMetric('auc=0.91'))).toEqual({ auc: 0.91, loss: 0.001 });
  });

  it('splits a dataset digest at the last "#"', () => {
    expect(collectDataset('s3://data/a#b.csv#abc')).toEqual([{ uri: 's3://data/a#b.csv', sha256: 'abc' }]);
    expect(collectDataset('s3://data/plain.csv')).toEqual([{ uri: 's3://data/plain.csv' }]);
  });

  it.each([
    ['fraud', { name: 'fraud' }],
    ['fraud:7', { name: 'fraud', version: 7 }],
    ['fraud:v7', { name: 'fraud', version: 'v7' }],
    ['fraud:latest', { name: 'fraud', version: 'latest' }],
    ['fraud@prod', { name: 'fraud', version: 'prod' }],
    ['fraud@7', { name: 'fraud', version: '7' }],
  ])('reads model reference %s', (text, reference) => {
    expect(parseModelReference(text)).toEqual(reference);
  });

  it('reads a tag filter with or without a value', () => {
    expect(parseTagFilter('stage')).toEqual({ key: 'stage' });
    expect(parseTagFilter('stage=')).toEqual({ key: 'stage', value: '' });
  });

  it.each([
    () => collectMetric('auc=', {}),
    () => collectMetric('auc=Infinity', {}),
    () => collectPair('=v', {}),
    () => parseModelReference('fraud:'),
    () => parseModelReference('fraud@'),
    () => parseExpectedVersion('0'),
  ])('fails on malformed input (%#)', (parse) => {
    expect(parse).toThrow(InvalidArgumentError);
  });
});
