import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { MONITORING_PREFIXES } from '../core/monitoring-names';
import type { CheckPlan, ChunkResult, MonitoringObjects } from '../core/ports';
import type { BaselineProfile } from '../core/profile/baseline-profile';
import { BaselineProfileSchema, baselineFromJson } from '../core/profile/baseline-schema';
import type { DriftCheckReport } from '../core/report/drift-check-report';

/** Baselines, reports and fanned-out checks' work in the monitoring bucket (see MONITORING_PREFIXES). */
export class S3MonitoringObjects implements MonitoringObjects {
  constructor(
    private readonly s3: S3Client,
    private readonly bucketName: string,
  ) {}

  async getBaseline(model: string, version: number): Promise<BaselineProfile | undefined> {
    const json = await this.getJson(monitoringObjectKeys.baseline(model, version));
    return json === undefined ? undefined : baselineFromJson(z.parse(BaselineProfileSchema, json));
  }

  async putBaseline(model: string, version: number, profile: BaselineProfile, replace: boolean): Promise<string | undefined> {
    const key = monitoringObjectKeys.baseline(model, version);
    if (replace) return this.putJson(key, profile);
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: JSON.stringify(profile), ContentType: 'application/json', IfNoneMatch: '*' }),
      );
      return this.uri(key);
    } catch (error) {
      // 412: the version has a profile. 409: a concurrent registration of it is in flight.
      if ((error as Error).name === 'PreconditionFailed' || (error as Error).name === 'ConditionalRequestConflict') return undefined;
      throw error;
    }
  }

  async putCheckPlan(monitor: string, checkId: string, plan: CheckPlan, chunks: readonly unknown[]): Promise<string> {
    await this.putJson(monitoringObjectKeys.checkPlan(monitor, checkId), plan);
    const manifestKey = monitoringObjectKeys.manifest(monitor, checkId);
    await this.putJson(manifestKey, chunks);
    return manifestKey;
  }

  async getCheckPlan(monitor: string, checkId: string): Promise<CheckPlan | undefined> {
    return (await this.getJson(monitoringObjectKeys.checkPlan(monitor, checkId))) as CheckPlan | undefined;
  }

  async putChunkResult(monitor: string, checkId: string, index: number, result: ChunkResult): Promise<void> {
    await this.putJson(monitoringObjectKeys.chunkResult(monitor, checkId, index), result);
  }

  async listChunkResults(monitor: string, checkId: string, chunks: number): Promise<ChunkResult[]> {
    const prefix = monitoringObjectKeys.chunkResults(monitor, checkId);
    // A rerun of the check that fans out to fewer chunks leaves the earlier run's last sketches behind.
    const wanted = new Set(Array.from({ length: chunks }, (_, index) => monitoringObjectKeys.chunkResult(monitor, checkId, index)));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((object) => object.Key!).filter((key) => wanted.has(key)));
      token = page.NextContinuationToken;
    } while (token);
    return Promise.all(keys.map(async (key) => (await this.getJson(key)) as ChunkResult));
  }

  async putReport(report: DriftCheckReport, html: string): Promise<{ json: string; html: string }> {
    const base = monitoringObjectKeys.report(report.monitor, report.checkId);
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucketName, Key: `${base}.html`, Body: html, ContentType: 'text/html; charset=utf-8' }));
    return { json: await this.putJson(`${base}.json`, report), html: this.uri(`${base}.html`) };
  }

  async getReport(monitor: string, checkId: string): Promise<DriftCheckReport | undefined> {
    return (await this.getJson(`${monitoringObjectKeys.report(monitor, checkId)}.json`)) as DriftCheckReport | undefined;
  }

  private uri = (key: string) => `s3://${this.bucketName}/${key}`;

  private async putJson(key: string, value: unknown): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
    return this.uri(key);
  }

  private async getJson(key: string): Promise<unknown> {
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
      return JSON.parse(await Body!.transformToString('utf8'));
    } catch (error) {
      // Functions may read these prefixes but not list the bucket, and S3 answers a missing key
      // to such a caller with 403 rather than 404 (it will not say what exists).
      if (error instanceof NoSuchKey || (error as Error).name === 'AccessDenied') return undefined;
      throw error;
    }
  }
}

const checkPrefix = (monitor: string, checkId: string) => `${MONITORING_PREFIXES.checks}${monitor}/${checkId}/`;

/** Where the objects are: a version's baseline, a check's report (`.json` and `.html`), a fanned-out check's plan, manifest and chunk sketches. */
export const monitoringObjectKeys = {
  baseline: (model: string, version: number) => `${MONITORING_PREFIXES.baselines}${model}/${version}/profile.json`,
  report: (monitor: string, checkId: string) => `${MONITORING_PREFIXES.reports}${monitor}/${checkId}`,
  checkPlan: (monitor: string, checkId: string) => `${checkPrefix(monitor, checkId)}plan.json`,
  manifest: (monitor: string, checkId: string) => `${checkPrefix(monitor, checkId)}manifest.json`,
  chunkResults: (monitor: string, checkId: string) => `${checkPrefix(monitor, checkId)}partials/`,
  chunkResult: (monitor: string, checkId: string, index: number) => `${checkPrefix(monitor, checkId)}partials/${String(index).padStart(6, '0')}.json`,
};
