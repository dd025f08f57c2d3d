import type { DatasetInput, SearchSubject } from '../../../../../lambda/mlflow/core/search/evaluate';

export interface FakeRecord {
  readonly attributes?: Readonly<Record<string, string | number>>;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly params?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly datasets?: readonly DatasetInput[];
}

/** A record as a search reads it; `id` is there to tell records apart in assertions. */
export type FakeSubject = SearchSubject & { readonly id: string };

const lookup = <T>(values: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  values !== undefined && Object.hasOwn(values, key) ? values[key] : undefined;

export function subject(id: string, record: FakeRecord): FakeSubject {
  return {
    id,
    attribute: (name) => lookup(record.attributes, name),
    metric: (key) => lookup(record.metrics, key),
    param: (key) => lookup(record.params, key),
    tag: (key) => lookup(record.tags, key),
    datasets: () => record.datasets ?? [],
  };
}

export const ids = (subjects: readonly FakeSubject[]) => subjects.map((one) => one.id);
