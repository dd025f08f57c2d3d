import { readFile } from 'node:fs/promises';
import { Duration } from 'aws-cdk-lib';
import { parse } from 'csv-parse/sync';
import type { MonitoringClient } from '../client/monitoring/monitoring-client';
import type { CheckSummary } from '../lambda/monitoring/core/check-drift';
import type { MonitorOptions } from '../lib/monitoring/monitor';

/**
 * The monitoring part of the tour: the production version's training data as its drift baseline,
 * two hours of predictions sent with `CollectData` (the second with two inputs shifted), each hour
 * checked as the monitor's schedule would check it.
 */

/** What the tour needs of monitoring: a client, and a drift check run now (the local platform's). */
export interface TourMonitoring {
  /** The monitor of the model's `production` alias. */
  readonly monitor: string;
  readonly client: Pick<MonitoringClient, 'registerBaselineFromFile' | 'collect' | 'listStoredMonitors'>;
  /** Checks a monitor's window (a declared monitor's, or a stored one's) that ends at `windowEnd`, as its schedule would. */
  readonly checkDrift: (monitor: string, windowEnd: Date) => Promise<CheckSummary>;
}

/** The demo's monitor: the model's production alias, checked hourly, a verdict from 50 records. */
export const demoMonitor = (model: string): MonitorOptions => ({
  monitorName: `${model}-production`,
  model,
  alias: 'production',
  schedule: Duration.hours(1),
  minRecords: 50,
});

/** How the second hour's customers differ: higher bills, more calls to support. */
const SHIFTS: Readonly<Record<string, (value: number) => number>> = {
  monthly_charges: (value) => value * 1.3,
  support_calls: (value) => value + 2,
};
export const SHIFTED_FEATURES = Object.keys(SHIFTS);

/** The same customers a later month (what `train-model.mjs --shifted` trains on): bills 30% higher, two more support calls. */
export const laterCustomers = (records: readonly Record<string, number>[]) =>
  records.map((features) => Object.fromEntries(Object.entries(features).map(([name, value]) => [name, SHIFTS[name]?.(value) ?? value])));

/** A data file's rows without their label: what callers send. */
export async function inputsOf(file: string, label: string): Promise<Record<string, number>[]> {
  const rows = parse(await readFile(file, 'utf8'), { columns: true, cast: true }) as Record<string, number>[];
  return rows.map(({ [label]: _label, ...features }) => features);
}

const HOUR_MS = 3_600_000;

export interface MonitoringTourStep {
  readonly model: string;
  readonly version: number;
  /** The version's training and validation files, as the training script wrote them. */
  readonly trainFile: string;
  readonly validationFile: string;
  readonly label: string;
  readonly print: (line: string) => void;
}

/** A check's verdict as the tour prints it. */
export const verdictOf = (check: CheckSummary): string =>
  check.status === 'drift' ? 'DRIFT' : check.status === 'no_drift' ? 'no drift' : 'too few records for a verdict';

export async function monitorProduction(monitoring: TourMonitoring, step: MonitoringTourStep): Promise<CheckSummary[]> {
  const { model, version, print } = step;
  const baseline = await monitoring.client.registerBaselineFromFile(step.trainFile, { model, version, exclude: [step.label] });
  const kinds = baseline.features.map((feature) => `${feature.name} (${feature.kind})`).join(', ');
  print(`  baseline of ${model} v${version}: ${baseline.rows} training rows, ${kinds}; ${baseline.uri}`);

  const inputs = await inputsOf(step.validationFile, step.label);
  const shifted = laterCustomers(inputs);
  // The last two whole hours: recent enough for CloudWatch to take their metrics.
  const lastHourEnd = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const hours = [
    { end: lastHourEnd - HOUR_MS, records: inputs, description: 'customers like the training data' },
    { end: lastHourEnd, records: shifted, description: `${SHIFTED_FEATURES.join(' and ')} shifted` },
  ];
  const checks: CheckSummary[] = [];
  for (const hour of hours) {
    const inferenceTime = new Date(hour.end - HOUR_MS / 2).toISOString();
    await monitoring.client.collect({ monitor: monitoring.monitor, records: hour.records, inferenceTime });
    const check = await monitoring.checkDrift(monitoring.monitor, new Date(hour.end));
    print(
      `  hour to ${new Date(hour.end).toISOString().slice(11, 16)} UTC (${hour.description}): ${check.records} records, ${verdictOf(check)}, ` +
        `${check.driftedFeatures} of ${baseline.features.length} features drifted (share ${check.driftShare.toFixed(2)})`,
    );
    checks.push(check);
  }
  return checks;
}
