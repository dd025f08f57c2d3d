import { attributeHints } from '../../../../../lambda/mlflow/core/search/hints';
import { parseFilter } from '../../../../../lambda/mlflow/core/search/parse-filter';

const hints = (filter: string | undefined) => Object.fromEntries(attributeHints(parseFilter('runs', filter)));

describe('attributeHints', () => {
  it.each<[string | undefined, Record<string, readonly string[]>]>([
    [undefined, {}],
    ["attributes.status = 'FINISHED'", { status: ['FINISHED'] }],
    ["status = 'FINISHED' AND run_id IN ('a', 'b', 'a') AND metrics.m > 1", { status: ['FINISHED'], run_id: ['a', 'b'] }],
    ["run_id IN ('a', 'b') AND run_id = 'b'", { run_id: ['b'] }],
    ["status = 'FINISHED' AND status = 'FAILED'", { status: [] }],
    ["`Run Name` = 'x'", { run_name: ['x'] }],
    ["status != 'FINISHED' AND run_id NOT IN ('a') AND run_name LIKE 'x%'", {}],
    ["status = 'FINISHED' OR status = 'FAILED'", {}],
    ["(status = 'FINISHED' OR metrics.m > 1) AND run_id = 'r'", { run_id: ['r'] }],
    ["tags.status = 'FINISHED' AND params.run_id = 'r'", {}],
  ])('%s gives %j', (filter, expected) => {
    expect(hints(filter)).toEqual(expected);
  });
});
