import type { Comparison, FilterExpr } from '../../../../../lambda/mlflow/core/search/ast';
import type { SearchEntity } from '../../../../../lambda/mlflow/core/search/entities';
import { parseFilter } from '../../../../../lambda/mlflow/core/search/parse-filter';
import { ValidationError } from '../../../../../lambda/shared/errors';

const clause = (field: Comparison['field'], key: string, comparator: Comparison['comparator'], value: Comparison['value']): Comparison => ({
  kind: 'comparison',
  field,
  key,
  comparator,
  value,
});

/** The message of the ValidationError `parse` throws, and that it names `filter`. */
function failure(entity: SearchEntity, filter: string): string {
  try {
    parseFilter(entity, filter);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'filter', message: expect.any(String) }]);
    return (error as ValidationError).issues[0]?.message ?? '';
  }
  throw new Error(`parsed: ${filter}`);
}

describe('parseFilter on runs, with the filters MLflow accepts (tests/utils/test_search_utils.py)', () => {
  it.each<[string, FilterExpr | undefined]>([
    ['metric.acc >= 0.94', clause('metric', 'acc', '>=', 0.94)],
    ['metric.acc>=100', clause('metric', 'acc', '>=', 100)],
    ["params.m!='tf'", clause('param', 'm', '!=', 'tf')],
    ['params."m"!="tf"', clause('param', 'm', '!=', 'tf')],
    ['metric."legit name" >= 0.243', clause('metric', 'legit name', '>=', 0.243)],
    ['metrics.XYZ = 3', clause('metric', 'XYZ', '=', 3)],
    ['params."cat dog" = "pets"', clause('param', 'cat dog', '=', 'pets')],
    ['metrics."X-Y-Z" = 3', clause('metric', 'X-Y-Z', '=', 3)],
    ['metrics."X//Y#$$@&Z" = 3', clause('metric', 'X//Y#$$@&Z', '=', 3)],
    ["params.model = 'LinearRegression'", clause('param', 'model', '=', 'LinearRegression')],
    [
      "metrics.rmse < 1 and params.model_class = 'LR'",
      { kind: 'and', operands: [clause('metric', 'rmse', '<', 1), clause('param', 'model_class', '=', 'LR')] },
    ],
    ['', undefined],
    ['   ', undefined],
    ['`metric`.a >= 0.1', clause('metric', 'a', '>=', 0.1)],
    ["tags.version = 'commit-hash'", clause('tag', 'version', '=', 'commit-hash')],
    ["`tags`.source_name = 'a notebook'", clause('tag', 'source_name', '=', 'a notebook')],
    ['metrics."accuracy.2.0" > 5', clause('metric', 'accuracy.2.0', '>', 5)],
    ['metrics.`spacey name` > 5', clause('metric', 'spacey name', '>', 5)],
    ['params."p.a.r.a.m" != "a"', clause('param', 'p.a.r.a.m', '!=', 'a')],
    ['tags."t.a.g" = "a"', clause('tag', 't.a.g', '=', 'a')],
    ["attribute.artifact_uri = '1/23/4'", clause('attribute', 'artifact_uri', '=', '1/23/4')],
    ['attribute.start_time >= 1234', clause('attribute', 'start_time', '>=', 1234)],
    ["run.status = 'RUNNING'", clause('attribute', 'status', '=', 'RUNNING')],
    ["dataset.name = 'my_dataset'", clause('dataset', 'name', '=', 'my_dataset')],
    ['tags.version IS NULL', clause('tag', 'version', 'IS NULL', null)],
    ['tags.version IS NOT NULL', clause('tag', 'version', 'IS NOT NULL', null)],
    ['params.lr IS NULL', clause('param', 'lr', 'IS NULL', null)],
    ['params.lr is not null', clause('param', 'lr', 'IS NOT NULL', null)],
    ["tags.a IS NULL AND params.b = 'val'", { kind: 'and', operands: [clause('tag', 'a', 'IS NULL', null), clause('param', 'b', '=', 'val')] }],
    ["params.m = 'LR'", clause('param', 'm', '=', 'LR')],
    ['params.m = "LR"', clause('param', 'm', '=', 'LR')],
    ['params.m = "L\'Hosp"', clause('param', 'm', '=', "L'Hosp")],
    ["attributes.run_id IN ('a1b2', 'e5f6')", clause('attribute', 'run_id', 'IN', ['a1b2', 'e5f6'])],
    ["attributes.run_id NOT IN ('a1b2')", clause('attribute', 'run_id', 'NOT IN', ['a1b2'])],
    ['datasets.digest IN (\'s8ds293b\', "jks834s2")', clause('dataset', 'digest', 'IN', ['s8ds293b', 'jks834s2'])],
    ["datasets.context = 'train'", clause('dataset', 'context', '=', 'train')],
    ['attributes.created > 1664067852747', clause('attribute', 'start_time', '>', 1664067852747)],
    ["`Run Name` = 'my-run'", clause('attribute', 'run_name', '=', 'my-run')],
    ["run_name = 'my-run'", clause('attribute', 'run_name', '=', 'my-run')],
    ["tags.mlflow.user = 'ana'", clause('tag', 'mlflow.user', '=', 'ana')],
    ['tags."mlflow.user" = \'ana\'', clause('tag', 'mlflow.user', '=', 'ana')],
    ["params.model LIKE 'GPT%'", clause('param', 'model', 'LIKE', 'GPT%')],
    ["params.model ilike 'gpt%'", clause('param', 'model', 'ILIKE', 'gpt%')],
    ["params.batch_size != 'None'", clause('param', 'batch_size', '!=', 'None')],
    ['metrics.`log-scale-loss` <= 0', clause('metric', 'log-scale-loss', '<=', 0)],
  ])('%s', (filter, expected) => {
    expect(parseFilter('runs', filter)).toEqual(expected);
  });
});

describe('parseFilter numbers and strings', () => {
  it.each([
    ['-1', -1],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['1.5E-3', 0.0015],
    ['2e+2', 200],
    ['-3e2', -300],
    ['12345678901234', 12345678901234],
  ])('reads the number %s', (written, value) => {
    expect(parseFilter('runs', `metrics.m > ${written}`)).toEqual(clause('metric', 'm', '>', value));
  });

  it.each([
    ["'it''s'", "it's"],
    ['"say ""hi"""', 'say "hi"'],
    ['\'a "quoted" word\'', 'a "quoted" word'],
    ["''", ''],
    ["'and or ( ) , = %'", 'and or ( ) , = %'],
    ["'ünïcødé ✓'", 'ünïcødé ✓'],
  ])('reads the string %s', (written, value) => {
    expect(parseFilter('runs', `params.p = ${written}`)).toEqual(clause('param', 'p', '=', value));
  });

  it.each([
    ['metrics.`a b` > 1', 'a b'],
    ['metrics."a`b" > 1', 'a`b'],
    ['metrics.`a"b` > 1', 'a"b'],
    ['metrics."a""b" > 1', 'a"b'],
    ['metrics.p.1 > 1', 'p.1'],
    ["metrics.`it's` > 1", "it's"],
  ])('reads the quoted key in %s', (filter, key) => {
    expect(parseFilter('runs', filter)).toEqual(clause('metric', key, '>', 1));
  });
});

describe('parseFilter with OR and parentheses', () => {
  const a = clause('metric', 'a', '>', 1);
  const b = clause('param', 'b', '=', 'x');
  const c = clause('tag', 'c', '=', 'y');
  const d = clause('attribute', 'status', '=', 'FINISHED');

  it.each<[string, FilterExpr]>([
    ["metrics.a > 1 OR params.b = 'x'", { kind: 'or', operands: [a, b] }],
    ["metrics.a > 1 or params.b = 'x' Or tags.c = 'y'", { kind: 'or', operands: [a, b, c] }],
    ["metrics.a > 1 AND params.b = 'x' OR tags.c = 'y'", { kind: 'or', operands: [{ kind: 'and', operands: [a, b] }, c] }],
    ["metrics.a > 1 OR params.b = 'x' AND tags.c = 'y'", { kind: 'or', operands: [a, { kind: 'and', operands: [b, c] }] }],
    ["metrics.a > 1 AND (params.b = 'x' OR tags.c = 'y')", { kind: 'and', operands: [a, { kind: 'or', operands: [b, c] }] }],
    [
      "(metrics.a > 1 OR params.b = 'x') AND (tags.c = 'y' OR status = 'FINISHED')",
      {
        kind: 'and',
        operands: [
          { kind: 'or', operands: [a, b] },
          { kind: 'or', operands: [c, d] },
        ],
      },
    ],
    ["metrics.a > 1 AND (params.b = 'x' AND tags.c = 'y')", { kind: 'and', operands: [a, b, c] }],
    ['((metrics.a > 1))', a],
    [`${'('.repeat(32)}metrics.a > 1${')'.repeat(32)}`, a],
    ["(metrics.a > 1)and(params.b = 'x')", { kind: 'and', operands: [a, b] }],
  ])('%s', (filter, expected) => {
    expect(parseFilter('runs', filter)).toEqual(expected);
  });

  it.each([
    ['metrics.a > 1 OR', 'the end of the filter'],
    ['OR metrics.a > 1', "'OR metrics.a > 1'"],
    ['(metrics.a > 1', 'the parenthesis at character 1 is not closed'],
    ['metrics.a > 1)', 'this parenthesis closes nothing'],
    ['metrics.a > 1 AND AND metrics.b > 1', "'AND metrics.b > 1'"],
    ['()', "')'"],
    ["metrics.a > 1 params.b = 'x'", 'expected AND, OR or the end of the filter'],
    ["NOT params.b = 'x'", "'NOT params.b = 'x''"],
    [`${'('.repeat(33)}metrics.a > 1${')'.repeat(33)}`, 'parentheses nest deeper than 32'],
  ])('fails on %s, naming where', (filter, where) => {
    const message = failure('runs', filter);
    expect(message).toMatch(/^Invalid clause\(s\) in filter string: /);
    expect(message).toContain(where);
  });
});

describe('parseFilter rejects what MLflow rejects', () => {
  it.each([
    ['metric.acc >= 0.94; metrics.rmse < 1', 'Search filter contained multiple expression'],
    ['m.acc >= 0.94', "Invalid entity type 'm'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"],
    ['acc >= 0.94', "Invalid attribute key 'acc' specified. Valid keys are '{"],
    ["p.model >= 'LR'", 'Invalid entity type'],
    ['attri.x != 1', 'Invalid entity type'],
    ['a.x != 1', 'Invalid entity type'],
    ["model >= 'LR'", 'Invalid attribute key'],
    ["metrics.A > 0.1 NAND params.B = 'LR'", 'Invalid clause(s) in filter string'],
    ['`metrics.A > 0.1', 'Invalid clause(s) in filter string'],
    ['param`.A > 0.1', 'Invalid clause(s) in filter string'],
    ['`dummy.A > 0.1', 'Invalid clause(s) in filter string'],
    ['dummy`.A > 0.1', 'Invalid clause(s) in filter string'],
    ['attribute.start != 1', 'Invalid attribute key'],
    ['attribute.experiment_id != 1', 'Invalid attribute key'],
    ["attribute.lifecycle_stage = 'ACTIVE'", 'Invalid attribute key'],
    ['attribute.name != 1', 'Invalid attribute key'],
    ['attribute.time != 1', 'Invalid attribute key'],
    ["attribute._status != 'RUNNING'", 'Invalid attribute key'],
    ["dataset.status = 'true'", "Invalid dataset key 'status' specified. Valid keys are '{'context', 'digest', 'name'}'"],
    ["dataset.profile = 'num_rows: 10'", 'Invalid dataset key'],
    ['metrics.acc IS NULL', "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'acc'"],
    ['attribute.status IS NULL', 'IS NULL / IS NOT NULL is only supported for tags and params'],
    ["metric.model = 'LR'", 'Expected numeric value type for metric. Found '],
    ["metric.model = '5'", 'Expected numeric value type for metric'],
    ['params.acc = 5', "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5"],
    ['tags.acc = 5', 'Expected a quoted string value for tag'],
    ['metrics.acc != metrics.acc', 'Expected numeric value type for metric'],
    ['1.0 > metrics.acc', "Invalid comparison clause. Expected 'Identifier' found '1.0'"],
    ['attribute.status = 1', 'Expected a quoted string value for attributes'],
    ['params.acc = LR', 'value is either not quoted or unidentified quote types'],
    ['tags.acc = LR', 'value is either not quoted or unidentified quote types'],
    ['params.acc = `LR`', 'value is either not quoted or unidentified quote types'],
    ["params.'acc = LR", 'Invalid clause(s) in filter string'],
    ["params.acc = 'LR", 'Invalid clause(s) in filter string'],
    ["params.acc = LR'", 'Invalid clause(s) in filter string'],
    ['params.acc = "LR\'', 'Invalid clause(s) in filter string'],
    ['tags.acc = "LR\'', 'Invalid clause(s) in filter string'],
    ["tags.acc = = 'LR'", 'Invalid clause(s) in filter string'],
    ["attribute.status IS 'RUNNING'", 'Invalid clause(s) in filter string'],
    ['params.acc LR !=', 'Invalid clause(s) in filter string'],
    ['params.acc LR', 'Invalid clause(s) in filter string'],
    ['metric.acc !=', 'Invalid clause(s) in filter string'],
    ['acc != 1.0', 'Invalid attribute key'],
    ['foo is null', 'Invalid attribute key'],
    ['1=1', "Expected 'Identifier' found"],
    ['1==2', "Expected 'Identifier' found"],
    ["attributes.run_name IN ('foo','bar')", "Only the 'run_id' attribute supports comparison with a list of quoted string values."],
    ['attributes.run_id IN ()', 'expected a non-empty list of string values, but got empty list'],
    ["attributes.run_id IN ('a', 1)", "but got different type in list: ('a', 1)"],
    ["attributes.start_time = 'now'", "Expected numeric value type for numeric attribute: start_time. Found 'now'"],
    ['datasets.name = 40', 'Expected a quoted string value for dataset attributes. Got value 40'],
    ["attributes.run_id IN 'a'", 'IN needs a parenthesized list'],
    ["attributes.run_id = ('a')", 'A list of values is compared with IN or NOT IN, not with ='],
    ["params.p NOT LIKE 'a'", 'NOT is only supported in NOT IN'],
    ['metrics.a > 1e', 'Invalid clause(s) in filter string'],
  ])('%s: %s', (filter, message) => {
    expect(failure('runs', filter)).toContain(message);
  });

  it.each([
    ['metrics', ['~', '~=', 'LIKE', '<>', '=='], 'abc', '1.0'],
    ['params', ['>', '<', '>=', '<=', '~'], 'abc', "'my-param-value'"],
    ['tags', ['>', '<', '>=', '<=', '~'], 'abc', "'my-tag-value'"],
    ['attributes', ['>', '<', '>=', '<=', '~'], 'status', "'my-tag-value'"],
    ['attributes', ['LIKE', 'ILIKE'], 'start_time', '1234'],
    ['datasets', ['>', '<', '>=', '<=', '~'], 'name', "'my-dataset-name'"],
  ])('rejects bad comparators on %s', (prefix, comparators, key, value) => {
    for (const comparator of comparators) {
      expect(failure('runs', `${prefix}.${key} ${comparator} ${value}`)).toMatch(new RegExp(`^Invalid comparator '${comparator}' not one of '\\{`));
    }
  });

  it('names the bad clause of a longer filter', () => {
    expect(failure('runs', "metrics.a > 1 AND params.b > 'x' OR tags.c = 'y'")).toBe(
      "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE'}' (in clause: params.b > 'x')",
    );
  });
});

describe('parseFilter per entity', () => {
  it.each<[SearchEntity, string, FilterExpr]>([
    ['experiments', "name = 'churn'", clause('attribute', 'name', '=', 'churn')],
    ['experiments', "attribute.name LIKE 'ch%'", clause('attribute', 'name', 'LIKE', 'ch%')],
    ['experiments', 'creation_time > 1700000000000', clause('attribute', 'creation_time', '>', 1700000000000)],
    ['experiments', 'last_update_time <= 5', clause('attribute', 'last_update_time', '<=', 5)],
    [
      'experiments',
      "tags.team = 'ml' AND tag.key1 IS NOT NULL",
      { kind: 'and', operands: [clause('tag', 'team', '=', 'ml'), clause('tag', 'key1', 'IS NOT NULL', null)] },
    ],
    ['registeredModels', "name ILIKE '%churn%'", clause('attribute', 'name', 'ILIKE', '%churn%')],
    ['registeredModels', "tags.`mlflow.prompt.is_prompt` != 'true'", clause('tag', 'mlflow.prompt.is_prompt', '!=', 'true')],
    [
      'modelVersions',
      "name = 'churn' AND version_number >= 3",
      { kind: 'and', operands: [clause('attribute', 'name', '=', 'churn'), clause('attribute', 'version_number', '>=', 3)] },
    ],
    ['modelVersions', "run_id IN ('r1', 'r2')", clause('attribute', 'run_id', 'IN', ['r1', 'r2'])],
    ['modelVersions', "source_path LIKE 's3://%'", clause('attribute', 'source_path', 'LIKE', 's3://%')],
    ['loggedModels', "source_run_id = 'run-1'", clause('attribute', 'source_run_id', '=', 'run-1')],
    ['loggedModels', "status IN ('READY', 'PENDING')", clause('attribute', 'status', 'IN', ['READY', 'PENDING'])],
    [
      'loggedModels',
      'creation_time > 5 AND metrics.auc >= 0.9',
      { kind: 'and', operands: [clause('attribute', 'creation_timestamp', '>', 5), clause('metric', 'auc', '>=', 0.9)] },
    ],
    [
      'loggedModels',
      "params.lr = '0.01' OR tags.t IS NULL",
      { kind: 'or', operands: [clause('param', 'lr', '=', '0.01'), clause('tag', 't', 'IS NULL', null)] },
    ],
  ])('%s: %s', (entity, filter, expected) => {
    expect(parseFilter(entity, filter)).toEqual(expected);
  });

  it.each<[SearchEntity, string, string]>([
    ['experiments', "attributes.name = 'x'", "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')"],
    ['experiments', 'metrics.a > 1', "Invalid entity type 'metrics'"],
    ['experiments', "experiment_id = '1'", "Invalid attribute key 'experiment_id' specified. Valid keys are '{'creation_time', 'last_update_time', 'name'}'"],
    ['experiments', 'name IS NULL', "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'"],
    ['experiments', "name IN ('a')", "Only the 'run_id' attribute supports comparison with a list"],
    ['experiments', "creation_time > '5'", 'Expected numeric value type for numeric attribute: creation_time'],
    ['registeredModels', "run_id = 'x'", "Invalid attribute key 'run_id' specified. Valid keys are '{'name'}'"],
    ['registeredModels', 'tags.t IS NULL', 'IS NULL / IS NOT NULL is not supported when searching registered models'],
    ['registeredModels', "params.p = 'x'", "Invalid entity type 'params'"],
    ['modelVersions', "run_id NOT IN ('a')", "Invalid comparator 'NOT IN' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE'}'"],
    ['modelVersions', "name IN ('a')", "Only the 'run_id' attribute supports comparison with a list"],
    ['modelVersions', "version_number = 'three'", 'Expected numeric value type for numeric attribute: version_number'],
    ['modelVersions', "current_stage = 'Production'", 'Invalid attribute key'],
    ['loggedModels', "datasets.name = 'd'", "Invalid entity type 'datasets'. Valid values are ['metric', 'parameter', 'tag', 'attribute']"],
    ['loggedModels', 'metrics.auc IS NULL', 'IS NULL / IS NOT NULL is only supported for tags and params'],
    ['loggedModels', "artifact_location = 'x'", 'Invalid attribute key'],
  ])('%s rejects %s', (entity, filter, message) => {
    expect(failure(entity, filter)).toContain(message);
  });
});
