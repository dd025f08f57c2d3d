import type { Terminal } from '../context';
import { printable, printableJson } from './printable';

/** Machine output: the value as indented JSON, nothing else (no character a terminal acts on, even in strings). */
export function writeJson(out: Terminal, value: unknown): void {
  out.write(`${printableJson(JSON.stringify(value, null, 2))}\n`);
}

/** Human output: blocks (titles, tables) separated by one blank line; controls in them print as escapes. */
export function writeBlocks(out: Terminal, ...blocks: (string | undefined)[]): void {
  const shown = blocks.filter((block): block is string => block !== undefined && block !== '');
  out.write(printable(shown.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('\n'), { keepLineBreaks: true }));
}
