import type { Terminal } from '../context';

/** Machine output: the value as indented JSON, nothing else. */
export function writeJson(out: Terminal, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Human output: blocks (titles, tables) separated by one blank line. */
export function writeBlocks(out: Terminal, ...blocks: (string | undefined)[]): void {
  const shown = blocks.filter((block): block is string => block !== undefined && block !== '');
  out.write(shown.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('\n'));
}
