import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { LocalPlatformDescriptor } from '../client/shared/local-connection';
import { startBenchPlatform } from './local-start';
import { quantile, round } from './stats';

/**
 * MLflow's REST API as MLflow's client meets it: HTTP on the local platform's MLflow endpoint
 * (`npm run local` in its own process, in memory), each operation sent by `CONCURRENCY` callers at
 * once, latency per request and throughput over the whole operation.
 */

const CONCURRENCY = 20;

interface Call {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly query?: Record<string, string>;
}

class MlflowHttp {
  constructor(private readonly endpoint: string) {}

  async send<T = Record<string, unknown>>({ method, path, body, query }: Call): Promise<T> {
    const url = `${this.endpoint}/api/2.0/mlflow${path}${query ? `?${new URLSearchParams(query)}` : ''}`;
    const response = await fetch(url, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

/** Sends every call with `concurrency` callers; latency of each and throughput of all. */
async function load(http: MlflowHttp, calls: readonly Call[], concurrency = CONCURRENCY) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, calls.length) }, async () => {
      while (next < calls.length) {
        const call = calls[next++];
        const sent = performance.now();
        await http.send(call);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const wallMs = performance.now() - started;
  return {
    requests: calls.length,
    concurrency,
    p50Ms: round(quantile(latencies, 0.5), 1),
    p95Ms: round(quantile(latencies, 0.95), 1),
    perSecond: round((calls.length / wallMs) * 1000, 0),
  };
}

const metricsBatch = (keys: number, steps: number, at: number) =>
  Array.from({ length: keys * steps }, (_, index) => ({
    key: `m${index % keys}`,
    value: Math.random(),
    timestamp: at + index,
    step: Math.floor(index / keys),
  }));

async function experiment(http: MlflowHttp, name: string): Promise<string> {
  return (await http.send<{ experiment_id: string }>({ method: 'POST', path: '/experiments/create', body: { name } })).experiment_id;
}

async function createRuns(http: MlflowHttp, experimentId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  await load(
    http,
    Array.from({ length: count }, () => ({ method: 'POST' as const, path: '/runs/create', body: { experiment_id: experimentId, user_id: 'bench' } })),
  );
  // The ids come back from a search of the experiment: fewer round trips than keeping them per call.
  let pageToken: string | undefined;
  do {
    const page = await http.send<{ runs?: { info: { run_id: string } }[]; next_page_token?: string }>({
      method: 'POST',
      path: '/runs/search',
      body: { experiment_ids: [experimentId], max_results: 50_000, ...(pageToken ? { page_token: pageToken } : {}) },
    });
    ids.push(...(page.runs ?? []).map(({ info }) => info.run_id));
    pageToken = page.next_page_token;
  } while (pageToken);
  return ids;
}

export interface MlflowLoadOptions {
  readonly requests: number;
  readonly searchRuns: number;
  readonly historyPoints: number;
  readonly progress: (message: string) => void;
}

export async function measureMlflowApi(options: MlflowLoadOptions) {
  const platform = await startBenchPlatform();
  try {
    const descriptor = JSON.parse(readFileSync(platform.descriptorFile, 'utf8')) as LocalPlatformDescriptor;
    const http = new MlflowHttp(descriptor.endpoints.mlflow!);
    const at = Date.now();

    options.progress(`MLflow API: create-run x${options.requests} with ${CONCURRENCY} callers`);
    const loadExperiment = await experiment(http, 'bench-load');
    const createRun = await load(
      http,
      Array.from({ length: options.requests }, () => ({
        method: 'POST' as const,
        path: '/runs/create',
        body: { experiment_id: loadExperiment, user_id: 'bench' },
      })),
    );
    const runs = (
      await http.send<{ runs: { info: { run_id: string } }[] }>({
        method: 'POST',
        path: '/runs/search',
        body: { experiment_ids: [loadExperiment], max_results: 1000 },
      })
    ).runs.map(({ info }) => info.run_id);

    // The same calls from one caller: a request's own latency, with no queue before it.
    const createRunAlone = await load(
      http,
      Array.from({ length: 100 }, () => ({ method: 'POST' as const, path: '/runs/create', body: { experiment_id: loadExperiment, user_id: 'bench' } })),
      1,
    );

    options.progress('MLflow API: log-batch of 10 and of 1,000 metrics, get-run');
    const logBatch10 = await load(
      http,
      Array.from({ length: options.requests }, (_, index) => ({
        method: 'POST' as const,
        path: '/runs/log-batch',
        body: { run_id: runs[index % runs.length], metrics: metricsBatch(10, 1, at + index * 10) },
      })),
    );
    const logBatch10Alone = await load(
      http,
      Array.from({ length: 100 }, (_, index) => ({
        method: 'POST' as const,
        path: '/runs/log-batch',
        body: { run_id: runs[index % runs.length], metrics: metricsBatch(10, 1, at + 500_000 + index * 10) },
      })),
      1,
    );
    const logBatch1000 = await load(
      http,
      Array.from({ length: Math.max(20, options.requests / 4) }, (_, index) => ({
        method: 'POST' as const,
        path: '/runs/log-batch',
        body: { run_id: runs[index % runs.length], metrics: metricsBatch(10, 100, at + 1_000_000 + index * 1000) },
      })),
    );
    const getRun = await load(
      http,
      Array.from({ length: options.requests }, (_, index) => ({ method: 'GET' as const, path: '/runs/get', query: { run_id: runs[index % runs.length] } })),
    );

    options.progress(`MLflow API: ${options.searchRuns} runs in one experiment for search`);
    const searchExperiment = await experiment(http, 'bench-search');
    const searchRunIds = await createRuns(http, searchExperiment, options.searchRuns);
    const seeded = performance.now();
    await load(
      http,
      searchRunIds.map((runId, index) => ({
        method: 'POST' as const,
        path: '/runs/log-batch',
        body: {
          run_id: runId,
          metrics: [{ key: 'auc', value: (index % 1000) / 1000, timestamp: at + index, step: 0 }],
          params: [{ key: 'lr', value: index % 2 === 0 ? '0.01' : '0.1' }],
        },
      })),
    );
    options.progress(`MLflow API: seeded in ${Math.round(performance.now() - seeded)} ms; searching`);
    const search: Call = {
      method: 'POST',
      path: '/runs/search',
      body: { experiment_ids: [searchExperiment], filter: "metrics.auc > 0.5 and params.lr = '0.01'", order_by: ['metrics.auc DESC'], max_results: 100 },
    };
    // A fresh function instance: the first search of the experiment reads its whole index.
    const firstStarted = performance.now();
    const first = await http.send<{ runs?: unknown[] }>(search);
    const searchFirstMs = round(performance.now() - firstStarted, 0);
    const searchRepeated = await load(
      http,
      Array.from({ length: 100 }, () => search),
    );

    options.progress(`MLflow API: a metric of ${options.historyPoints} points, then its history`);
    const historyRun = runs[0];
    for (let offset = 0; offset < options.historyPoints; offset += 1000) {
      const metrics = Array.from({ length: 1000 }, (_, index) => ({
        key: 'loss',
        value: 1 / (offset + index + 1),
        timestamp: at + offset + index,
        step: offset + index,
      }));
      await http.send({ method: 'POST', path: '/runs/log-batch', body: { run_id: historyRun, metrics } });
    }
    const historyLatencies: number[] = [];
    let historyPointsRead = 0;
    for (let repetition = 0; repetition < 5; repetition++) {
      const started = performance.now();
      let pageToken: string | undefined;
      historyPointsRead = 0;
      do {
        const page = await http.send<{ metrics?: unknown[]; next_page_token?: string }>({
          method: 'GET',
          path: '/metrics/get-history',
          query: { run_id: historyRun, metric_key: 'loss', max_results: '25000', ...(pageToken ? { page_token: pageToken } : {}) },
        });
        historyPointsRead += page.metrics?.length ?? 0;
        pageToken = page.next_page_token;
      } while (pageToken);
      historyLatencies.push(performance.now() - started);
    }
    return {
      createRun,
      createRunAlone,
      logBatch10,
      logBatch10Alone,
      logBatch1000,
      getRun,
      searchRuns: {
        runs: searchRunIds.length,
        matchedFirstPage: first.runs?.length ?? 0,
        firstSearchMs: searchFirstMs,
        repeated: searchRepeated,
      },
      metricHistory: { points: historyPointsRead, p50Ms: round(quantile(historyLatencies, 0.5), 0), maxMs: round(Math.max(...historyLatencies), 0) },
    };
  } finally {
    await platform.stop();
  }
}
