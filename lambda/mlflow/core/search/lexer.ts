/**
 * Tokens of MLflow's filter language (a small part of SQL's WHERE clause). An identifier keeps its raw
 * text (`tags."mlflow.user"`, `` metrics.`val-loss` ``, a bare `"double-quoted"` word): MLflow splits it
 * at its first dot and unquotes the key, and the parser does the same, so keys read exactly as there.
 */
export type Token =
  | { readonly type: 'identifier' | 'operator' | 'keyword' | '(' | ')' | ',' | 'end'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: 'string'; readonly text: string; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: 'number'; readonly text: string; readonly value: number; readonly start: number; readonly end: number };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL']);

/** A problem in the text itself, at a character offset; the caller words it for `filter` or `order_by`. */
export class LexError extends Error {}

/** A `;`: MLflow's parser reads two statements and refuses them. */
export class MultipleStatementsError extends LexError {}

const SEGMENT = /[\p{L}_$][\p{L}\p{N}_$]*|`[^`]*`|"(?:[^"]|"")*"/uy;
/** After a dot a key part may start with a digit (`params.p.1`). */
const KEY_SEGMENT = /[\p{L}\p{N}_$]+|`[^`]*`|"(?:[^"]|"")*"/uy;
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\p{L}_$\d.])/uy;
const SINGLE_QUOTED = /'((?:[^']|'')*)'/y;
const OPERATOR = /!=|<>|>=|<=|==|~=|=|<|>|~/y;
const WHITESPACE = /\s+/y;

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

function identifierEnd(text: string, start: number): number | undefined {
  const first = matchAt(SEGMENT, text, start);
  if (!first) return undefined;
  let end = start + first[0].length;
  while (text[end] === '.') {
    const next = matchAt(KEY_SEGMENT, text, end + 1);
    if (!next) break;
    end += 1 + next[0].length;
  }
  return end;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const space = matchAt(WHITESPACE, text, at);
    if (space) {
      at += space[0].length;
      continue;
    }
    const char = text[at] as string;
    if (char === '(' || char === ')' || char === ',') {
      tokens.push({ type: char, text: char, start: at, end: at + 1 });
      at += 1;
      continue;
    }
    if (char === ';') throw new MultipleStatementsError(`';' at character ${at + 1}`);
    const quoted = matchAt(SINGLE_QUOTED, text, at);
    if (quoted) {
      tokens.push({ type: 'string', text: quoted[0], value: (quoted[1] as string).replaceAll("''", "'"), start: at, end: at + quoted[0].length });
      at += quoted[0].length;
      continue;
    }
    const number = matchAt(NUMBER, text, at);
    if (number) {
      tokens.push({ type: 'number', text: number[0], value: Number(number[0]), start: at, end: at + number[0].length });
      at += number[0].length;
      continue;
    }
    const operator = matchAt(OPERATOR, text, at);
    if (operator) {
      tokens.push({ type: 'operator', text: operator[0], start: at, end: at + operator[0].length });
      at += operator[0].length;
      continue;
    }
    const end = identifierEnd(text, at);
    if (end === undefined) {
      const what = char === "'" || char === '"' || char === '`' ? `unterminated quote ${char}` : `unexpected '${char}'`;
      throw new LexError(`${what} at character ${at + 1}: '${text.slice(at)}'`);
    }
    const word = text.slice(at, end);
    const type = KEYWORDS.has(word.toUpperCase()) ? 'keyword' : 'identifier';
    tokens.push({ type, text: type === 'keyword' ? word.toUpperCase() : word, start: at, end });
    at = end;
  }
  tokens.push({ type: 'end', text: '', start: text.length, end: text.length });
  return tokens;
}

/** MLflow's `_strip_quotes`: text wrapped in ' or " loses the two quotes, nothing else. */
export function unquote(raw: string): string | undefined {
  if (raw.length < 2) return undefined;
  const quote = raw[0];
  if ((quote !== '"' && quote !== "'") || raw.at(-1) !== quote) return undefined;
  return raw.slice(1, -1);
}

/** MLflow's `_trim_backticks`. */
export function trimBackticks(raw: string): string {
  return raw.length >= 2 && raw.startsWith('`') && raw.endsWith('`') ? raw.slice(1, -1) : raw;
}
