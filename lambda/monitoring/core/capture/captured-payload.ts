import { parse as parseCsv } from 'csv-parse/sync';

/**
 * Records inside one captured request, as SageMaker endpoint data capture writes them (and
 * `CollectData` and the platform's inference images write the same): a payload in an encoding
 * (`CSV`, `JSON` or `BASE64`) of a content type. CSV rows are positional, in the baseline's feature
 * order; JSON objects are keyed by feature name.
 */
export type CapturedRecord = { readonly keyed: Readonly<Record<string, unknown>> } | { readonly positional: readonly unknown[] };

export interface CapturedPayload {
  readonly observedContentType?: string;
  readonly encoding?: string;
  readonly data: string;
}

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

export function recordsOfPayload(payload: CapturedPayload): CapturedRecord[] {
  const text = payload.encoding?.toUpperCase() === 'BASE64' ? Buffer.from(payload.data, 'base64').toString('utf8') : payload.data;
  const contentType = (payload.observedContentType ?? '').split(';')[0].trim().toLowerCase();
  if (contentType === 'text/csv' || (contentType === '' && payload.encoding?.toUpperCase() === 'CSV')) return csvRecords(text);
  if (contentType.includes('jsonlines') || contentType === 'application/x-ndjson') {
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => jsonRecords(parseJson(line)));
  }
  if (contentType.includes('json') || contentType === '') return jsonRecords(parseJson(text));
  throw new PayloadError(`content type ${contentType} is not CSV or JSON`);
}

function csvRecords(text: string): CapturedRecord[] {
  const rows: string[][] = parseCsv(text, { relax_column_count: true, skip_empty_lines: true, trim: true });
  return rows.map((row) => ({ positional: row }));
}

/**
 * JSON payloads in the shapes SageMaker's serving containers take: one object, a list of objects or
 * rows, or `{"instances": [...]}` whose instances are objects, rows, or `{"features": [...]}`.
 */
function jsonRecords(body: unknown): CapturedRecord[] {
  if (Array.isArray(body)) {
    // A flat list of scalars is one row; a list of lists or objects is one record each.
    return body.every((item) => typeof item !== 'object' || item === null) ? [{ positional: body }] : body.map(instanceRecord);
  }
  if (isObject(body) && Array.isArray(body.instances)) return body.instances.map(instanceRecord);
  return [instanceRecord(body)];
}

function instanceRecord(instance: unknown): CapturedRecord {
  if (Array.isArray(instance)) return { positional: instance };
  if (isObject(instance)) {
    const keys = Object.keys(instance);
    if (keys.length === 1 && Array.isArray(instance.features)) return { positional: instance.features };
    return { keyed: instance };
  }
  throw new PayloadError('a JSON instance is neither an object nor a list');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PayloadError('the payload is not valid JSON');
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
