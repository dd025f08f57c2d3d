import type { Row } from '../../../cli/fixtures/monitor/drift-data';

/**
 * Production traffic as SageMaker endpoint data capture writes it, written here independently of the
 * platform's parser: JSON Lines files under `<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/`
 * (UTC hour of the request), one request a line, the CSV request body base64-encoded.
 */

export interface CaptureFile {
  readonly key: string;
  readonly body: string;
}

export interface EndpointTrafficOptions {
  /** The endpoint's folder in the capture destination: `<destination>/<endpoint>/`. */
  readonly prefix: string;
  /** Production variants the endpoint splits its traffic over, in turn. */
  readonly variants: readonly string[];
  /** The CSV column order: the model's input order, which is the baseline's feature order. */
  readonly features: readonly string[];
  /** Inference times are spread evenly over `[start, end)`, epoch milliseconds. */
  readonly window: { readonly start: number; readonly end: number };
  /** SageMaker rolls a variant's capture file over every few minutes. */
  readonly filesPerVariant: number;
}

/** One capture file per variant and time slice; each row is one request at its own inference time. */
export function endpointCaptureFiles(rows: readonly Row[], options: EndpointTrafficOptions): CaptureFile[] {
  const { start, end } = options.window;
  const sliceMs = (end - start) / options.filesPerVariant;
  const files = new Map<string, string[]>();
  rows.forEach((row, index) => {
    const time = start + Math.floor(((index + 0.5) * (end - start)) / rows.length);
    const variant = options.variants[index % options.variants.length];
    const sliceStart = start + Math.floor((time - start) / sliceMs) * sliceMs;
    const key = `${options.prefix}${variant}/${hourPath(sliceStart)}${fileName(sliceStart, variant)}`;
    const line = JSON.stringify(
      captureLine(
        options.features.map((feature) => row[feature]),
        time,
        `${variant}-${index}`,
      ),
    );
    const lines = files.get(key) ?? [];
    lines.push(line);
    files.set(key, lines);
  });
  return [...files].map(([key, lines]) => ({ key, body: `${lines.join('\n')}\n` }));
}

function captureLine(values: readonly (number | string)[], time: number, eventId: string) {
  return {
    captureData: {
      endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: Buffer.from(values.join(','), 'utf8').toString('base64'), encoding: 'BASE64' },
      endpointOutput: { observedContentType: 'text/csv; charset=utf-8', mode: 'OUTPUT', data: '0.42', encoding: 'CSV' },
    },
    eventMetadata: { eventId, inferenceTime: new Date(time).toISOString() },
    eventVersion: '0',
  };
}

/** `yyyy/mm/dd/hh/` of a UTC time. */
export function hourPath(time: number): string {
  const [date, clock] = new Date(time).toISOString().split('T');
  return `${date.replace(/-/g, '/')}/${clock.slice(0, 2)}/`;
}

/** SageMaker names a capture file `mm-ss-mmm-<uuid>.jsonl` after the time it opened. */
function fileName(time: number, variant: string): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(14, 16)}-${iso.slice(17, 19)}-${iso.slice(20, 23)}-${variant.toLowerCase()}-capture.jsonl`;
}
