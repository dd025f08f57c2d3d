import { addRecord, addRow, type WindowSketch } from '../profile/window-sketch';
import { type CapturedPayload, recordsOfPayload } from './captured-payload';

/**
 * One line of a data capture file (JSON Lines), in SageMaker's format:
 * `{"captureData": {"endpointInput": {...}, "endpointOutput": {...}}, "eventMetadata": {"eventId", "inferenceTime"}, "eventVersion": "0"}`.
 */
export interface CaptureLine {
  readonly captureData: { readonly endpointInput?: CapturedPayload; readonly endpointOutput?: CapturedPayload };
  readonly eventMetadata?: {
    readonly eventId?: string;
    readonly inferenceTime?: string;
    readonly inferenceId?: string;
    /** The caller's SageMaker custom attributes: the platform's serving shim records them, SageMaker does not. */
    readonly customAttributes?: string;
  };
  readonly eventVersion?: string;
}

/** A window of inference times: `[start, end)`, epoch milliseconds. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export interface CaptureTally {
  /** Records added to the window. */
  records: number;
  /** Lines whose inference time lies outside the window (files are per hour; windows need not be). */
  outsideWindow: number;
  /** Lines that are not capture lines or whose payload could not be read; they are counted, not fatal. */
  unreadable: number;
}

export const emptyTally = (): CaptureTally => ({ records: 0, outsideWindow: 0, unreadable: 0 });

/** Sketches every input record of a capture file whose inference time is in the window. */
export function addCaptureFile(window: WindowSketch, text: string, timeWindow: TimeWindow, tally: CaptureTally): void {
  let lineStart = 0;
  while (lineStart < text.length) {
    const lineEnd = nextLineEnd(text, lineStart);
    const line = text.slice(lineStart, lineEnd).trim();
    lineStart = lineEnd + 1;
    if (line !== '') addCaptureLine(window, line, timeWindow, tally);
  }
}

function addCaptureLine(window: WindowSketch, line: string, timeWindow: TimeWindow, tally: CaptureTally): void {
  let records: ReturnType<typeof recordsOfPayload>;
  try {
    const capture = JSON.parse(line) as CaptureLine;
    const input = capture?.captureData?.endpointInput;
    if (typeof input?.data !== 'string') throw new Error('no endpointInput');
    const time = Date.parse(capture.eventMetadata?.inferenceTime ?? '');
    if (Number.isNaN(time)) throw new Error('no inference time');
    if (time < timeWindow.start || time >= timeWindow.end) {
      tally.outsideWindow++;
      return;
    }
    records = recordsOfPayload(input);
  } catch {
    tally.unreadable++;
    return;
  }
  for (const record of records) {
    if ('keyed' in record) addRecord(window, record.keyed);
    else addRow(window, record.positional);
  }
  tally.records += records.length;
}

const nextLineEnd = (text: string, from: number) => {
  const end = text.indexOf('\n', from);
  return end === -1 ? text.length : end;
};
