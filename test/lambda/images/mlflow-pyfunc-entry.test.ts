import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The platform's MLflow entry, run by the machine's Python with stand-ins for MLflow and pandas (neither is installable here). */
const PYTHON = process.env.MLOPS_PYTHON ?? 'python3';
const ENTRY = join(__dirname, '..', '..', '..', 'lambda', 'images', 'serving', 'mlflow_pyfunc.py');

/** `load_model` records the path it loaded; the model predicts its input back, so an answer shows what `predict` got. */
const STUB_MLFLOW = `
loaded = []
class _Echo:
    def predict(self, model_input):
        return model_input
def load_model(path):
    loaded.append(path)
    return _Echo()
`;
/** A DataFrame that tells how it was made. */
const STUB_PANDAS = `
class DataFrame:
    def __init__(self, data=None, columns=None, index=None):
        self.made = {'data': data, 'columns': columns, 'index': index}
        self.columns = columns
    def to_dict(self, orient):
        return {'orient': orient, 'made': self.made}
`;
const DRIVER = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location('entry', sys.argv[1])
entry = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entry)
answers = {}
try:
    entry.init()
    import mlflow.pyfunc
    answers['loaded'] = mlflow.pyfunc.loaded
except Exception as error:
    answers['init'] = f'{type(error).__name__}: {error}'
for name, body in json.loads(sys.argv[2]).items():
    try:
        answers[name] = entry.run(body)
    except Exception as error:
        answers[name] = f'{type(error).__name__}: {error}'
print(json.dumps(answers))
`;

let stubs: string;

beforeAll(() => {
  stubs = mkdtempSync(join(tmpdir(), 'mlflow-entry-'));
  mkdirSync(join(stubs, 'mlflow'));
  writeFileSync(join(stubs, 'mlflow', '__init__.py'), '');
  writeFileSync(join(stubs, 'mlflow', 'pyfunc.py'), STUB_MLFLOW);
  writeFileSync(join(stubs, 'pandas.py'), STUB_PANDAS);
  writeFileSync(join(stubs, 'driver.py'), DRIVER);
});

afterAll(() => rmSync(stubs, { recursive: true, force: true }));

function runEntry(bodies: Record<string, unknown>, models = 'churn:3'): Record<string, any> {
  const run = spawnSync(PYTHON, [join(stubs, 'driver.py'), ENTRY, JSON.stringify(bodies)], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: stubs, PYTHONDONTWRITEBYTECODE: '1', MLOPS_MODEL_DIR: '/opt/ml/model', MLOPS_MODELS: models },
  });
  if (run.status !== 0) throw new Error(`the entry's driver failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe('the MLflow entry (serving/mlflow_pyfunc.py)', () => {
  it('loads the one model the image serves from its folder of the model directory', () => {
    expect(runEntry({}).loaded).toEqual(['/opt/ml/model/churn/3']);
  });

  it('fails init() unless the image serves exactly one model', () => {
    expect(runEntry({}, 'churn:3,fraud:1').init).toBe('RuntimeError: the MLflow entry serves exactly one model; MLOPS_MODELS names 2');
  });

  it("turns MLflow's scoring inputs into what MLflow's server gives predict, and answers {predictions}", () => {
    const answers = runEntry({
      split: { dataframe_split: { columns: ['a', 'b'], data: [[1, 2]], index: [7] } },
      records: { dataframe_records: [{ a: 1, b: 2 }] },
      bare: [{ a: 1, b: 2 }],
      csvRows: [[1, 2]],
      instances: { instances: [[1, 2]] },
      namedInputs: { inputs: { a: [1, 2] } },
    });

    expect(answers).toMatchObject({
      split: { predictions: { orient: 'records', made: { data: [[1, 2]], columns: ['a', 'b'], index: [7] } } },
      records: { predictions: { orient: 'records', made: { data: [{ a: 1, b: 2 }], columns: null, index: null } } },
      bare: { predictions: { orient: 'records', made: { data: [{ a: 1, b: 2 }], columns: null, index: null } } },
      csvRows: { predictions: { orient: 'records', made: { data: [[1, 2]], columns: null, index: null } } },
      // Tensors become NumPy arrays, and the answer lists them back.
      instances: { predictions: [[1, 2]] },
      namedInputs: { predictions: { a: [1, 2] } },
    });
  });

  it.each([
    ['an object with none of the input keys', { rows: [] }],
    ['an object with two input keys', { instances: [], inputs: [] }],
    ['a scalar', 5],
  ])('refuses %s', (_, body) => {
    expect(runEntry({ body }).body).toMatch(/^ValueError: the body must be a list of records or an object/);
  });
});
