import { normalizeIndexUrl } from './supply-chain';

/**
 * Checks a pip requirements file before a build is started, so a typo is a `ValidationError` now
 * rather than a failed build minutes later. It accepts what a reproducible image needs: PEP 508
 * requirements (`name[extras] specifiers ; markers`, or `name @ url` under an allowed index), index
 * options naming an allowed index, and `--hash` options with `\` continuations as
 * `pip-compile --generate-hashes` writes them. Other files (`-r`, `-c`), editable installs and local
 * paths are refused: the build context holds only this file. So are other indexes, direct references
 * to anywhere else (another index by another name) and `--trusted-host` (it turns off pip's TLS
 * checks for a host): packages come only from the indexes the deployer allows.
 */

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
const EXTRAS = String.raw`(?:\s*\[\s*${NAME}(?:\s*,\s*${NAME})*\s*\])?`;
const SPECIFIER = String.raw`(?:===|~=|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+`;
const SPECIFIERS = String.raw`(?:\s*\(?\s*${SPECIFIER}(?:\s*,\s*${SPECIFIER})*\s*\)?)?`;
const MARKER = String.raw`(?:\s*;\s*[^;]+)?`;
const HASHES = String.raw`(?:\s+--hash[=\s]\s*[a-z0-9]+:[0-9a-fA-F]+)*`;
const VERSIONED = new RegExp(`^${NAME}${EXTRAS}${SPECIFIERS}${MARKER}${HASHES}$`);
const URL_REFERENCE = new RegExp(`^${NAME}${EXTRAS}\\s*@\\s*((?:https?|git\\+https)://\\S+)${MARKER}${HASHES}$`);
const INDEX_OPTION = /^(--index-url|--extra-index-url|-i|--trusted-host)(?:=|\s+)(\S+)$/;

export interface RequirementProblem {
  /** 1-based number of the line the requirement starts on. */
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

export interface ParsedRequirements {
  /** The requirements, one per entry, continuations joined and comments dropped. */
  readonly requirements: readonly string[];
  readonly problems: readonly RequirementProblem[];
}

/** `packageIndexes`: the index URLs `--index-url` and `--extra-index-url` may name. */
export function parseRequirements(text: string, packageIndexes: readonly string[]): ParsedRequirements {
  const allowedIndexes = new Set(packageIndexes.map(normalizeIndexUrl));
  const requirements: string[] = [];
  const problems: RequirementProblem[] = [];
  for (const { line, text: entry } of logicalLines(text)) {
    const statement = stripComment(entry).trim();
    if (statement === '') continue;
    const reason = refusal(statement, allowedIndexes);
    if (reason) problems.push({ line, text: statement, reason });
    else requirements.push(statement);
  }
  return { requirements, problems };
}

function refusal(statement: string, allowedIndexes: ReadonlySet<string>): string | undefined {
  if (/^(-r|--requirement|-c|--constraint)\b/.test(statement)) return 'refers to another file; the build context holds only this one';
  if (/^(-e|--editable)\b/.test(statement)) return 'editable installs cannot be built into an image';
  if (statement.startsWith('-')) return optionRefusal(statement, allowedIndexes);
  if (/^[./~]/.test(statement) || statement.startsWith('file:')) return 'local paths are not in the build context';
  if (VERSIONED.test(statement)) return undefined;
  const reference = URL_REFERENCE.exec(statement);
  if (reference)
    return isUnderIndex(reference[1], allowedIndexes)
      ? undefined
      : `refers to ${excerptUrl(reference[1])}, outside the package indexes this platform allows (${[...allowedIndexes].join(', ')})`;
  return 'is not a requirement: a name with optional [extras], specifiers like ==1.2 or >=1,<2, markers after ";", or "name @ https://..."';
}

function optionRefusal(statement: string, allowedIndexes: ReadonlySet<string>): string | undefined {
  const option = INDEX_OPTION.exec(statement);
  if (!option) return 'is not an option pip may take here (--index-url, --extra-index-url)';
  if (option[1] === '--trusted-host') return "is not accepted: it turns off pip's TLS checks for a host";
  if (!allowedIndexes.has(normalizeIndexUrl(option[2])))
    return `names a package index this platform does not allow (allowed: ${[...allowedIndexes].join(', ')})`;
  return undefined;
}

/** Whether `url` is one of the allowed indexes or under one (a path below it, not a host that merely starts the same). */
function isUnderIndex(url: string, allowedIndexes: ReadonlySet<string>): boolean {
  const normalized = normalizeIndexUrl(url.replace(/[#?].*$/, ''));
  return [...allowedIndexes].some((index) => normalized === index || normalized.startsWith(`${index}/`));
}

/** A URL as quoted in a refusal: its scheme and host, which say where it points. */
const excerptUrl = (url: string) => /^[^:]+:\/\/[^/]+/.exec(url)?.[0] ?? url.slice(0, 40);

/** `#` starts a comment at the start of a line or after whitespace (pip's rule). */
const stripComment = (line: string) => line.replace(/(^|\s)#.*$/, '');

/**
 * Lines with `\` continuations joined, each with the number of the line it started on. A comment
 * line is never continued, even when it ends with `\` (pip's rule): it would swallow the next line.
 */
function logicalLines(text: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const continued = raw.endsWith('\\') && !/^\s*#/.test(raw);
    const body = continued ? raw.slice(0, -1) : raw;
    pending = pending ? { line: pending.line, text: `${pending.text} ${body}` } : { line: index + 1, text: body };
    if (!continued) {
      lines.push(pending);
      pending = undefined;
    }
  });
  if (pending) lines.push(pending);
  return lines;
}
