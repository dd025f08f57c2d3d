import { LineSplitter, MAX_LINE_CHARS } from '../../../cli/exec/child-runner';
import { parseMetricLine } from '../../../cli/exec/metric-lines';
import { MetricRecorder, type RunLog } from '../../../cli/exec/metric-recorder';

const tracking = (line: string) => {
  const parsed = parseMetricLine(line);
  if (parsed.kind !== 'tracking') throw new Error(`expected a tracking line, got ${JSON.stringify(parsed)}`);
  return parsed.update;
};

const problemOf = (line: string) => {
  const parsed = parseMetricLine(line);
  if (parsed.kind !== 'malformed') throw new Error(`expected a malformed line, got ${JSON.stringify(parsed)}`);
  return parsed.problem;
};

describe('parseMetricLine: mlops:metric', () => {
  it('reads several metrics with a step and a timestamp', () => {
    expect(tracking('mlops:metric loss=0.25 accuracy=0.9 step=3 timestamp=1764000000000')).toEqual({
      metrics: { loss: 0.25, accuracy: 0.9 },
      step: 3,
      timestamp: 1764000000000,
    });
  });

  it('reads one metric without step or timestamp', () => {
    expect(tracking('mlops:metric val_loss=1')).toEqual({ metrics: { val_loss: 1 } });
  });

  it.each([
    ['1e-3', 0.001],
    ['-2.5', -2.5],
    ['+4', 4],
    ['.5', 0.5],
    ['3.', 3],
    ['1E+2', 100],
    ['-0', -0],
  ])('reads the number %s', (text, value) => {
    expect(tracking(`mlops:metric x=${text}`).metrics).toEqual({ x: value });
  });

  it('ignores surrounding white space, a carriage return and extra spaces between pairs', () => {
    expect(tracking('  mlops:metric   a=1\t b=2 \r')).toEqual({ metrics: { a: 1, b: 2 } });
  });

  it('takes metric names with dots, slashes and dashes', () => {
    expect(tracking('mlops:metric train/loss=1 eval.f1-macro=0.5').metrics).toEqual({ 'train/loss': 1, 'eval.f1-macro': 0.5 });
  });

  it('accepts a quoted number', () => {
    expect(tracking('mlops:metric loss="0.5"').metrics).toEqual({ loss: 0.5 });
  });

  it.each([
    ['NaN', 'mlops:metric loss=NaN'],
    ['nan', 'mlops:metric loss=nan'],
    ['Infinity', 'mlops:metric loss=Infinity'],
    ['-inf', 'mlops:metric loss=-inf'],
    ['an overflow to infinity', 'mlops:metric loss=1e999'],
    ['hex', 'mlops:metric loss=0x10'],
    ['an empty value', 'mlops:metric loss='],
    ['a word', 'mlops:metric loss=low'],
    ['a number with a unit', 'mlops:metric loss=0.3s'],
    ['a comma decimal', 'mlops:metric loss=0,3'],
  ])('refuses %s as a value', (_label, line) => {
    expect(problemOf(line)).toMatch(/not a finite decimal number/);
  });

  it.each([
    ['1e308, beyond what DynamoDB stores through the document client', 'mlops:metric loss=1e308', /loss=1e308: must be at most 9007199254740991/],
    ['5e-324, below 1e-130', 'mlops:metric loss=5e-324', /loss=5e-324: must be 0 or at least 1e-130 in magnitude/],
    ['2^63 in JSON', '{"mlops": {"metrics": {"rows": 9223372036854775808}}}', /metrics\.rows: must be at most 9007199254740991/],
    ['1e-200 in JSON', '{"mlops": {"metrics": {"p": 1e-200}}}', /metrics\.p: must be 0 or at least 1e-130/],
  ])('refuses %s, which would fail the whole batch on the platform', (_label, line, problem) => {
    expect(problemOf(line)).toMatch(problem);
  });

  it.each([
    ['no metric', 'mlops:metric', /no metric given/],
    ['only a step', 'mlops:metric step=3', /no metric given/],
    ['a word without "="', 'mlops:metric loss 0.3', /"loss" is not key=value/],
    ['a pair without key', 'mlops:metric =0.3', /has no key/],
    ['a negative step', 'mlops:metric loss=1 step=-1', /step -1: not a whole number/],
    ['a fractional step', 'mlops:metric loss=1 step=1.5', /step 1.5/],
    ['a word as step', 'mlops:metric loss=1 step=ten', /step "ten"/],
    ['a timestamp in seconds', 'mlops:metric loss=1 timestamp=1764000000', /not epoch milliseconds/],
    ['a metric given twice', 'mlops:metric loss=1 loss=2', /loss is given twice/],
    ['a bad metric name', 'mlops:metric lo$s=1', /metric name "lo\$s" must hold only/],
    ['an unclosed quote', 'mlops:metric loss="0.3', /not closed/],
  ])('refuses %s', (_label, line, problem) => {
    expect(problemOf(line)).toMatch(problem);
  });
});

describe('parseMetricLine: mlops:param and mlops:tag', () => {
  it('reads params, splitting at the first "=" and keeping quoted spaces', () => {
    expect(tracking('mlops:param lr=0.01 optimizer=adam expr=a=b note="two words"')).toEqual({
      params: { lr: '0.01', optimizer: 'adam', expr: 'a=b', note: 'two words' },
    });
  });

  it('reads tags, an empty value included', () => {
    expect(tracking('mlops:tag stage=dev owner=ana@example.com empty=')).toEqual({ tags: { stage: 'dev', owner: 'ana@example.com', empty: '' } });
  });

  it('reads JSON escapes in quoted values', () => {
    expect(tracking('mlops:param path="C:\\\\data \\"x\\""').params).toEqual({ path: 'C:\\data "x"' });
  });

  it.each([
    ['an empty param line', 'mlops:param', /no param given/],
    ['an empty tag line', 'mlops:tag  ', /no tag given/],
    ['a tag key with a space-free bad character', 'mlops:tag te#am=risk', /tag key "te#am"/],
    ['a param value over 1000 characters', `mlops:param blob=${'x'.repeat(1001)}`, /longer than 1000/],
    ['text glued to a quoted value', 'mlops:param a="x"y', /expected a space after the quoted value/],
  ])('refuses %s', (_label, line, problem) => {
    expect(problemOf(line)).toMatch(problem);
  });
});

describe('parseMetricLine: other mlops: lines', () => {
  it.each(['mlops:metrics loss=1', 'mlops:', 'mlops: starting', 'mlops:METRIC loss=1'])('warns about the unknown directive in %j', (line) => {
    expect(problemOf(line)).toMatch(/unknown directive/);
  });

  it.each(['epoch 1 loss=0.3', 'INFO mlops:metric loss=1', 'see mlops: docs', '', '   '])('leaves %j as output', (line) => {
    expect(parseMetricLine(line)).toEqual({ kind: 'output' });
  });
});

describe('parseMetricLine: JSON lines', () => {
  it('reads metrics, step, timestamp, params and tags', () => {
    const line = JSON.stringify({
      mlops: { metrics: { loss: 0.3, acc: 1e-3 }, step: 5, timestamp: 1764000000000, params: { lr: 0.01, layers: '3', amp: true }, tags: { stage: 'dev' } },
    });

    expect(tracking(line)).toEqual({
      metrics: { loss: 0.3, acc: 0.001 },
      step: 5,
      timestamp: 1764000000000,
      params: { lr: '0.01', layers: '3', amp: 'true' },
      tags: { stage: 'dev' },
    });
  });

  it('reads a line with params only, other top-level keys beside "mlops" ignored', () => {
    expect(tracking('{"level": "info", "mlops": {"params": {"seed": 42}}}')).toEqual({ params: { seed: '42' } });
  });

  it.each([
    ['an object without "mlops"', '{"loss": 0.3, "step": 1}'],
    ['an array', '[{"mlops": {"metrics": {"a": 1}}}]'],
    ['invalid JSON without an "mlops" key', '{"loss": NaN}'],
    ['JSON with a nested "mlops" only', '{"data": {"mlops": {"metrics": {"a": 1}}}}'],
    ['a JSON string', '"mlops"'],
  ])('leaves %s as output', (_label, line) => {
    expect(parseMetricLine(line)).toEqual({ kind: 'output' });
  });

  it.each([
    ['"mlops" not an object', '{"mlops": 3}', /"mlops" must be an object/],
    ['a string metric', '{"mlops": {"metrics": {"loss": "0.3"}}}', /metrics.loss: "0.3" is not a finite number/],
    ['a null metric (NaN from json.dumps is invalid JSON, null is what some encoders write)', '{"mlops": {"metrics": {"loss": null}}}', /metrics.loss: null/],
    ['an unknown key', '{"mlops": {"metric": {"loss": 1}}}', /unknown key "metric"/],
    ['nothing to log', '{"mlops": {}}', /nothing to log/],
    ['a step without metrics', '{"mlops": {"step": 3, "params": {"a": "b"}}}', /step and timestamp need metrics/],
    ['a negative step', '{"mlops": {"metrics": {"a": 1}, "step": -2}}', /step -2/],
    ['an object param', '{"mlops": {"params": {"a": {"b": 1}}}}', /params.a must be a string, number or boolean/],
  ])('refuses %s', (_label, line, problem) => {
    expect(problemOf(line)).toMatch(problem);
  });

  it.each([
    ['NaN, as Python json.dumps writes it', '{"mlops": {"metrics": {"loss": NaN}}}'],
    ['Infinity', '{"step": 1, "mlops": {"metrics": {"loss": Infinity}}}'],
    ['an unclosed object', '{"mlops": {"metrics": {"a": 1}}'],
  ])('refuses an mlops line that is not JSON: %s', (_label, line) => {
    expect(problemOf(line)).toMatch(/not valid JSON/);
  });
});

describe('MetricRecorder', () => {
  const fakeRun = () => {
    const calls: unknown[][] = [];
    const run: RunLog = {
      log: (...args) => void calls.push(['log', ...args]),
      logParams: (params) => void calls.push(['logParams', params]),
      setTags: (tags) => void calls.push(['setTags', tags]),
    };
    return { run, calls };
  };

  it('logs metrics with the time they were printed when the line has none, and counts the points', () => {
    const { run, calls } = fakeRun();
    const warnings: string[] = [];
    const recorder = new MetricRecorder(run, { warn: (message) => warnings.push(message), now: () => 1764000000123 });

    recorder.read('mlops:metric loss=0.5 acc=0.7', 'stdout');
    recorder.read('mlops:metric loss=0.4 step=9 timestamp=1764000000000', 'stderr');
    recorder.read('plain output', 'stdout');

    expect(calls).toEqual([
      ['log', { loss: 0.5, acc: 0.7 }, undefined, 1764000000123],
      ['log', { loss: 0.4 }, 9, 1764000000000],
    ]);
    expect(recorder.points).toBe(3);
    expect(warnings).toEqual([]);
  });

  it('skips a param changed from the value the run has, with a warning naming the stream and line', () => {
    const { run, calls } = fakeRun();
    const warnings: string[] = [];
    const recorder = new MetricRecorder(run, { warn: (message) => warnings.push(message), now: () => 0, initialParams: { lr: '0.1' } });

    recorder.read('hello', 'stderr');
    recorder.read('mlops:param lr=0.2', 'stderr');
    recorder.read('mlops:param lr=0.1 seed=1', 'stdout');

    expect(warnings).toEqual(['skipped stderr line 2 (mlops:param lr=0.2): param lr is "0.1" already (params are write-once)']);
    expect(calls).toEqual([['logParams', { seed: '1' }]]);
  });

  it('prints at most maxWarnings warnings, then how many more lines were skipped', () => {
    const { run } = fakeRun();
    const warnings: string[] = [];
    const recorder = new MetricRecorder(run, { warn: (message) => warnings.push(message), now: () => 0, maxWarnings: 2 });

    for (let index = 0; index < 5; index++) recorder.read('mlops:metric loss=NaN', 'stdout');
    recorder.finish();

    expect(warnings).toHaveLength(3);
    expect(warnings[2]).toBe('3 more tracking lines were skipped without a warning');
    expect(recorder.skipped).toBe(5);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and gives the last line without a break at the end', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));

    splitter.push('mlops:met');
    splitter.push('ric loss=1\r\nsecond\n\nthi');
    splitter.push('rd');
    splitter.end();

    expect(lines).toEqual(['mlops:metric loss=1', 'second', '', 'third']);
  });

  it('drops a line longer than the limit without holding it', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));

    splitter.push('x'.repeat(MAX_LINE_CHARS));
    splitter.push('yy\nnext\n');

    expect(lines).toEqual(['next']);
  });
});
