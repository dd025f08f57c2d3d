import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelInvocationError } from '../../client/deployments/endpoint-invocation';
import { SCORE_SCRIPT } from '../../demo/tour';
import { CALLERS, entryScriptWithTypo, sendTraffic, type TourDeployments, trafficThroughRollout } from '../../demo/tour-deployments';
import type { DeploymentRecord } from '../../lambda/deployments/core/model';

const record = (lastRevision: number, status: DeploymentRecord['status']) => ({ name: 'churn-demo', lastRevision, status }) as DeploymentRecord;

/** A deployment client whose endpoint answers with `answer(n)` for the n-th request, and whose record reads in turn from `records`. */
function fakeDeployments(answer: (request: number) => 'ok' | 'model-error' | 'throttled', records: DeploymentRecord[], captured = () => 0) {
  const sent: { customAttributes?: string; rows: number }[] = [];
  const client: TourDeployments['client'] = {
    async invoke(_name, request) {
      sent.push({ customAttributes: request.customAttributes, rows: JSON.parse(String(request.body)).instances.length });
      const outcome = answer(sent.length);
      if (outcome === 'model-error') throw new ModelInvocationError(500, 'run() failed', undefined);
      if (outcome === 'throttled') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { body: new Uint8Array() };
    },
    async getDeployment() {
      return records.length > 1 ? records.shift()! : records[0];
    },
    async deploymentTraffic(name) {
      const hour = { hour: '2026-12-07T10:00:00.000Z', requests: captured(), callers: CALLERS.length };
      return { name, endpoint: `mlops-${name}`, start: hour.hour, end: hour.hour, hours: [hour], callers: CALLERS.length, anonymousRequests: 0, revisions: [] };
    },
  };
  return { client, sent };
}

const rows = (count: number) => Array.from({ length: count }, (_, index) => ({ tenure_months: index }));

describe('trafficThroughRollout', () => {
  it("sends one-row requests, callers in turn, counting the model's failures, until a later revision has settled", async () => {
    const { client, sent } = fakeDeployments(
      (request) => (request % 5 === 0 ? 'model-error' : 'ok'),
      [record(3, 'UPDATING'), record(3, 'ROLLING_BACK'), record(3, 'IN_SERVICE')],
    );

    const tally = await trafficThroughRollout({ client }, 'churn-demo', rows(7), record(2, 'IN_SERVICE'));

    expect(tally).toMatchObject({ answered: 24, failed: 6, deployment: { lastRevision: 3, status: 'IN_SERVICE' } });
    expect(sent.every(({ rows: count }) => count === 1)).toBe(true);
    expect(sent.slice(0, 4).map(({ customAttributes }) => customAttributes)).toEqual([...CALLERS, CALLERS[0]].map((caller) => `caller=${caller}`));
  });

  it('fails on any other error, and when no rollout settles in time', async () => {
    const throttled = fakeDeployments(() => 'throttled', [record(2, 'IN_SERVICE')]);
    await expect(trafficThroughRollout(throttled, 'churn-demo', rows(1), record(2, 'IN_SERVICE'))).rejects.toThrow('Rate exceeded');

    const stuck = fakeDeployments(() => 'ok', [record(3, 'UPDATING')]);
    await expect(trafficThroughRollout(stuck, 'churn-demo', rows(1), record(2, 'IN_SERVICE'), 0)).rejects.toThrow(
      /churn-demo is UPDATING \(revision 3\) after 0 ms: no rollout settled after revision 2/,
    );
  });
});

describe('sendTraffic', () => {
  it('sends the records in requests of 20 and waits until the capture has each request', async () => {
    let captured = 0;
    let reads = 0;
    const { client, sent } = fakeDeployments(
      () => 'ok',
      [record(1, 'IN_SERVICE')],
      // The capture lags: the requests show up a few reads after they were sent.
      () => (reads++ < 2 ? captured : (captured = sent.length)),
    );

    expect(await sendTraffic({ client }, 'churn-demo', rows(45))).toBe(3);
    expect(sent.map(({ rows: count }) => count)).toEqual([20, 20, 5]);
    expect(captured).toBe(3);
  });
});

describe('entryScriptWithTypo', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'tour-typo-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it("writes the demo's entry script with one line broken, and refuses a script without that line", async () => {
    const { file, typo } = await entryScriptWithTypo(SCORE_SCRIPT, join(directory, 'release'));

    const original = readFileSync(SCORE_SCRIPT, 'utf8');
    expect(readFileSync(file, 'utf8')).toBe(original.replace('scaling["mean"]', typo));
    expect(typo).toBe('scaling["means"]');

    writeFileSync(join(directory, 'other.py'), 'def run(rows):\n    return rows\n');
    await expect(entryScriptWithTypo(join(directory, 'other.py'), directory)).rejects.toThrow(/no longer reads scaling\["mean"\]/);
  });
});
