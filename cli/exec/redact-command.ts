/**
 * What `run exec` records of a command line: every reader of the run sees it, so the values of
 * arguments whose name looks secret become `***`. Words are read as a shell would see them and, in
 * case one is a script (`sh -c '...'`), as the whitespace-separated tokens inside it:
 *
 * - `--api-key=abc`, `-token=abc`, `DB_PASSWORD=abc` (an environment assignment or `key=value` argument);
 * - `--password abc`: the word after a secret option, unless it is itself a `--` option;
 * - `-p abc` and `-pabc`: `-p` is a password for mysql and a port or `--parents` elsewhere; a port
 *   lost from the record costs less than a password kept in it;
 * - `Authorization: Bearer abc` (a header given to curl): the rest of the word;
 * - `https://user:abc@host`: the password of a URL.
 *
 * It cannot see secrets in other shapes (JSON, positional arguments): pass those in the
 * environment, or run with `--no-record-command`.
 */

export const REDACTED = '***';

// A part of a name (split at non-alphanumerics and camelCase) that marks a secret, alone or at the
// end of a compound (`apikey`, `authtoken`, `secretkey`).
const SECRET_PART = /(token|secret|passw(or)?d|passphrase|key|credential)s?$|^(auth|authorization|pwd|pass|cookie)$/;

export function isSecretName(name: string): boolean {
  return name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).some((part) => SECRET_PART.test(part.toLowerCase()));
}

const isSecretOption = (name: string) => name === 'p' || isSecretName(name);

const URL_PASSWORD = /(\/\/[^/\s:@]*:)[^/\s@]+@/g;
const OPTION_WITH_VALUE = /^(-{1,2}([A-Za-z0-9][\w.-]*)=)/;
const OPTION = /^-{1,2}([A-Za-z][\w.-]*)$/;
const ASSIGNMENT = /^(([A-Za-z_][\w.-]*)=)/;
const HEADER_NAME = /^([A-Za-z][\w-]*):$/;

/** The words with the values of secrets replaced by `***`. */
export function redactSecrets(words: readonly string[]): string[] {
  let nextIsSecret = false;
  return words.map((word) => {
    let restOfWordIsSecret = false;
    return word
      .split(/(\s+)/)
      .map((token) => {
        if (token === '' || /^\s+$/.test(token)) return token;
        if (restOfWordIsSecret) return REDACTED;
        if (nextIsSecret) {
          nextIsSecret = false;
          if (!token.startsWith('--')) return REDACTED;
        }
        const text = token.replace(URL_PASSWORD, `$1${REDACTED}@`);
        const optionWithValue = OPTION_WITH_VALUE.exec(text);
        if (optionWithValue) return isSecretOption(optionWithValue[2]) ? optionWithValue[1] + REDACTED : text;
        const assignment = ASSIGNMENT.exec(text);
        if (assignment) return isSecretName(assignment[2]) ? assignment[1] + REDACTED : text;
        const option = OPTION.exec(text);
        if (option && isSecretOption(option[1])) {
          nextIsSecret = true;
          return text;
        }
        if (/^-p[^-]/.test(text)) return `-p${REDACTED}`;
        const header = HEADER_NAME.exec(text);
        if (header && isSecretName(header[1])) restOfWordIsSecret = true;
        return text;
      })
      .join('');
  });
}
