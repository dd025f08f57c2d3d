/**
 * Characters a terminal acts on rather than shows: C0 and C1 controls and DEL (an OSC sequence
 * retitles the terminal or writes the clipboard, CSI moves the cursor and recolours) and the
 * Unicode bidi overrides and isolates (they reorder what follows on the line).
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** What of it `JSON.stringify` leaves raw (it escapes C0 in strings; its own layout is spaces and line breaks). */
const LEFT_RAW_BY_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escapeOf = (character: string): string => {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Text from the platform as the CLI prints it: every character a terminal would act on becomes a
 * visible escape (`\x1b`, `\u202e`), but for line breaks when `keepLineBreaks` (a block of lines the
 * CLI laid out itself). Stored records from before requests refused control characters may hold them.
 */
export function printable(text: string, options: { readonly keepLineBreaks?: boolean } = {}): string {
  return text.replace(UNPRINTABLE, (character) => (options.keepLineBreaks && character === '\n' ? character : escapeOf(character)));
}

/**
 * JSON as the CLI prints it: `JSON.stringify` escapes C0 controls but writes DEL, C1 controls and
 * bidi overrides as they are; inside a JSON string `\u009b` is the same character, so the document
 * parses to the same value.
 */
export function printableJson(json: string): string {
  return json.replace(LEFT_RAW_BY_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
