import { renderRunWatch } from '../../cli/commands/experiments/run-details';
import { printable, printableJson } from '../../cli/render/printable';
import { runRecord } from './commands/experiments/run-fixtures';
import { fraudDetails, fraudVersion, prodMoves } from './fixtures';
import { cliHarness } from './harness';

/**
 * Stored records from before requests refused control characters (or from another writer) may hold
 * them: the CLI must print them as visible escapes, never as what a terminal acts on.
 */

const OSC_TITLE = '\u001b]0;pwned\u0007';
const OSC_CLIPBOARD = '\u001b]52;c;ZXZpbA==\u0007';
const C1_CSI = '\u009b31m';
const BIDI_OVERRIDE = 'txt\u202eexe.sh';

/** Anything a terminal would act on, but the line breaks the CLI lays out. */
const ACTED_ON = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const cli = cliHarness();

beforeEach(() => {
  cli.reset();
});

describe('printable', () => {
  it.each([
    ['an OSC title change', OSC_TITLE, '\\x1b]0;pwned\\x07'],
    ['an OSC 52 clipboard write', OSC_CLIPBOARD, '\\x1b]52;c;ZXZpbA==\\x07'],
    ['a C1 CSI', C1_CSI, '\\x9b31m'],
    ['DEL and NUL', 'a\u007fb\u0000', 'a\\x7fb\\x00'],
    ['a carriage return and a line break', 'a\rb\nc', 'a\\x0db\\x0ac'],
    ['a bidi override and isolate', 'a\u202eb\u2066c', 'a\\u202eb\\u2066c'],
  ])('shows %s as visible escapes', (_, text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('keeps line breaks when asked, and nothing else', () => {
    expect(printable(`a\n${OSC_TITLE}\n`, { keepLineBreaks: true })).toBe('a\n\\x1b]0;pwned\\x07\n');
  });

  it('leaves ordinary text, accents and emoji alone', () => {
    expect(printable('café ✓ 模型 🚀 tab-free')).toBe('café ✓ 模型 🚀 tab-free');
  });

  it('escapes DEL, C1 and bidi characters in JSON so that it parses to the same value', () => {
    const value = { text: `x\u007f${C1_CSI}${BIDI_OVERRIDE}` };

    const json = printableJson(JSON.stringify(value));

    expect(json).not.toMatch(ACTED_ON);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('the commands print stored control characters as escapes', () => {
  const hostileVersion = fraudVersion(11, {
    description: `fine model${OSC_TITLE}`,
    parameters: { eta: `0.1${OSC_CLIPBOARD}` },
    tags: { team: `risk${C1_CSI}` },
    datasets: [{ uri: 's3://data/fraud/train.parquet', role: 'training', name: BIDI_OVERRIDE }],
  });

  it('model show: the description, a parameter, a tag and a dataset name', async () => {
    cli.answerQueries({ getModel: () => fraudDetails, getVersion: () => hostileVersion });

    const { code, stdout } = await cli.run(['model', 'show', 'fraud-detector:11']);

    expect(code).toBe(0);
    expect(stdout).not.toMatch(ACTED_ON);
    expect(stdout).toContain('fine model\\x1b]0;pwned\\x07');
    expect(stdout).toContain('0.1\\x1b]52;c;ZXZpbA==\\x07');
    expect(stdout).toContain('risk\\x9b31m');
    expect(stdout).toContain('txt\\u202eexe.sh');
  });

  it('model show --json: escaped, and the same record once parsed', async () => {
    cli.answerQueries({ getModel: () => fraudDetails, getVersion: () => hostileVersion });

    const { stdout } = await cli.run(['model', 'show', 'fraud-detector:11', '--json']);

    expect(stdout).not.toMatch(ACTED_ON);
    expect(JSON.parse(stdout)).toEqual(hostileVersion);
  });

  it('model alias history: a reason in a table cell, a line break included', async () => {
    cli.answerQueries({ aliasHistory: () => ({ items: [{ ...prodMoves[0], reason: `better AUC\n${OSC_TITLE}` }] }) });

    const { stdout } = await cli.run(['model', 'alias', 'history', 'fraud-detector', 'prod']);

    expect(stdout).not.toMatch(ACTED_ON);
    expect(stdout.split('\n')[1]).toMatch(/better AUC\\x0a\\x1b\]0;pwned\\x07$/);
  });

  it('run watch: the run name in the status line it redraws', () => {
    const view = renderRunWatch(runRecord({ runName: `nightly${OSC_TITLE}` }), new Map(), { now: Date.parse('2026-11-24T11:00:00.000Z'), columns: 100 });

    expect(view).not.toMatch(ACTED_ON);
    expect(view).toContain('nightly\\x1b]0;pwned\\x07');
  });

  it('a refusal quoting stored text, on stderr', async () => {
    cli.answerQueries({ getModel: () => ({ errorType: 'ConflictError', errorMessage: `params.eta: is "${OSC_CLIPBOARD}" already` }) });

    const { code, stderr } = await cli.run(['model', 'show', 'fraud-detector']);

    expect(code).toBe(1);
    expect(stderr).not.toMatch(ACTED_ON);
    expect(stderr).toContain('\\x1b]52;c;ZXZpbA==\\x07');
  });
});
