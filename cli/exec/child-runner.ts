import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ForwardedSignal, ProcessControl, Terminal } from '../context';

/** How the child ended. */
export type ChildOutcome =
  | { readonly kind: 'exited'; readonly code: number }
  /** Killed by a signal the CLI did not forward (the OOM killer, `kill -9`). */
  | { readonly kind: 'signalled'; readonly signal: NodeJS.Signals }
  /** The CLI received `signal`, passed it on, and the child has ended. */
  | { readonly kind: 'interrupted'; readonly signal: ForwardedSignal }
  | { readonly kind: 'not-started'; readonly error: NodeJS.ErrnoException };

export interface ChildRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Where the child's stdout and stderr go, unchanged, as they arrive. */
  readonly stdout: Terminal;
  readonly stderr: Terminal;
  /** Every complete line of stdout and of stderr, without its line break. */
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly processes: ProcessControl;
}

/** A line longer than this is passed through but not read for metrics (a progress bar redrawn with `\r`, a blob). */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Cuts a stream's text into lines. Lines over `MAX_LINE_CHARS` are dropped rather than held, so a
 * child that never ends a line cannot fill the CLI's memory.
 */
export class LineSplitter {
  private pending = '';
  private overflowing = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      this.emit(text.slice(start, end));
      start = end + 1;
    }
    this.hold(text.slice(start));
  }

  /** The last line, when the stream ended without a line break. */
  end(): void {
    if (this.pending !== '' && !this.overflowing) this.onLine(this.pending.replace(/\r$/, ''));
    this.pending = '';
    this.overflowing = false;
  }

  private emit(tail: string): void {
    const line = this.pending + tail;
    if (!this.overflowing && line.length <= MAX_LINE_CHARS) this.onLine(line.replace(/\r$/, ''));
    this.pending = '';
    this.overflowing = false;
  }

  private hold(text: string): void {
    if (this.overflowing) return;
    this.pending += text;
    if (this.pending.length > MAX_LINE_CHARS) {
      this.pending = '';
      this.overflowing = true;
    }
  }
}

function tap(stream: Readable | null, out: Terminal, onLine: (line: string) => void): void {
  if (!stream) return;
  const decoder = new StringDecoder('utf8');
  const lines = new LineSplitter(onLine);
  stream.on('data', (chunk: Buffer) => {
    const text = decoder.write(chunk);
    if (text === '') return;
    out.write(text);
    lines.push(text);
  });
  stream.on('end', () => {
    const rest = decoder.end();
    if (rest !== '') {
      out.write(rest);
      lines.push(rest);
    }
    lines.end();
  });
}

/**
 * Runs a command to its end, passing its output through and every line to `onLine`. SIGINT and
 * SIGTERM sent to the CLI go on to the child, which is waited for (it may log its last metrics
 * on the way out); a second signal kills it.
 */
export function runChild(run: ChildRun): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    let interruptedBy: ForwardedSignal | undefined;
    let settled = false;
    const unsubscribe: (() => void)[] = [];
    const settle = (outcome: ChildOutcome) => {
      if (settled) return;
      settled = true;
      unsubscribe.forEach((off) => off());
      resolve(outcome);
    };

    const child = run.processes.spawn(run.command, run.args, { env: run.env, cwd: run.cwd });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Once started, errors are about signalling it; the close event still comes.
      if (child.pid === undefined) settle({ kind: 'not-started', error });
    });
    tap(child.stdout, run.stdout, (line) => run.onLine(line, 'stdout'));
    tap(child.stderr, run.stderr, (line) => run.onLine(line, 'stderr'));

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      unsubscribe.push(
        run.processes.onSignal(signal, () => {
          if (interruptedBy === undefined) {
            interruptedBy = signal;
            child.kill(signal);
          } else {
            child.kill('SIGKILL');
          }
        }),
      );
    }

    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (child.pid === undefined) return;
      if (interruptedBy !== undefined) settle({ kind: 'interrupted', signal: interruptedBy });
      else if (signal !== null) settle({ kind: 'signalled', signal });
      else settle({ kind: 'exited', code: code ?? 1 });
    });
  });
}

/** The exit code a shell would report for the outcome. */
export function exitCodeOf(outcome: ChildOutcome): number {
  switch (outcome.kind) {
    case 'exited':
      return outcome.code;
    case 'signalled':
      return 128 + (constants.signals[outcome.signal] ?? 0);
    case 'interrupted':
      return 130;
    case 'not-started':
      return outcome.error.code === 'ENOENT' ? 127 : 126;
  }
}

/** Why the run did not complete, for its record; undefined when it did. */
export function reasonOf(outcome: ChildOutcome): string | undefined {
  switch (outcome.kind) {
    case 'exited':
      return outcome.code === 0 ? undefined : `exit code ${outcome.code}`;
    case 'signalled':
      return `killed by ${outcome.signal}`;
    case 'interrupted':
      return `interrupted by ${outcome.signal}`;
    case 'not-started':
      return `could not start: ${outcome.error.message}`;
  }
}
