/**
 * Buckets as maps of objects behind the S3 client mock, serving GetObject, HeadObject, PutObject
 * (with `IfNoneMatch: '*'`), CopyObject and ListObjectsV2 (prefix, delimiter, paging) as S3 does,
 * versioned: each put is a new version (`1`, `2`, ... unless named) that GetObject and CopyObject can name,
 * so handler tests see what a call leaves behind and what it would have read. A missing key
 * answers 404 (`NoSuchKey`, `NotFound`), as to a caller that may list the bucket, or 403 after
 * `withoutListing()`, as to one that may not. A bucket exists when it was named to the constructor
 * or holds an object; any command on another answers 404 (`NoSuchBucket`, `NotFound` to HeadObject).
 */
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  GetObjectCommand,
  type GetObjectCommandInput,
  HeadObjectCommand,
  type HeadObjectCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { AwsStub } from 'aws-sdk-client-mock';

/** S3's page size for ListObjectsV2; tests lower it to drive the paging code. */
const DEFAULT_PAGE_KEYS = 1000;

export class FakeS3 {
  private readonly objects = new Map<string, Map<string, string>>();
  /** Every version of each object, oldest first, by `bucket/key`. */
  private readonly history = new Map<string, { readonly versionId: string; readonly body: string }[]>();
  private pageKeys = DEFAULT_PAGE_KEYS;
  private listable = true;
  private readonly buckets: Set<string>;

  constructor(buckets: readonly string[] = []) {
    this.buckets = new Set(buckets);
  }

  /** Serves the commands from the buckets. Call after resetting the mock. */
  serve(mock: AwsStub<any, any, any>): this {
    mock.on(GetObjectCommand).callsFake(this.getObject);
    mock.on(HeadObjectCommand).callsFake(this.headObject);
    mock.on(PutObjectCommand).callsFake(this.putObject);
    mock.on(CopyObjectCommand).callsFake(this.copyObject);
    mock.on(ListObjectsV2Command).callsFake(this.listObjects);
    return this;
  }

  /** Puts a new version of the object, with `versionId` if given (as a registry record names it). */
  put(bucket: string, key: string, body: string, versionId?: string): void {
    this.buckets.add(bucket);
    if (!this.objects.has(bucket)) this.objects.set(bucket, new Map());
    this.objects.get(bucket)!.set(key, body);
    const versions = this.history.get(`${bucket}/${key}`) ?? [];
    this.history.set(`${bucket}/${key}`, [...versions, { versionId: versionId ?? String(versions.length + 1), body }]);
  }

  get(bucket: string, key: string): string | undefined {
    return this.objects.get(bucket)?.get(key);
  }

  /** The current version's id. */
  versionId(bucket: string, key: string): string | undefined {
    return this.history.get(`${bucket}/${key}`)?.at(-1)?.versionId;
  }

  /** One version's body, or the current one without `versionId`. */
  private version(bucket: string, key: string, versionId: string | undefined): string | undefined {
    return versionId === undefined ? this.get(bucket, key) : this.history.get(`${bucket}/${key}`)?.find((version) => version.versionId === versionId)?.body;
  }

  /** The keys of a bucket under `prefix`, sorted as S3 lists them. */
  keys(bucket: string, prefix = ''): string[] {
    return [...(this.objects.get(bucket)?.keys() ?? [])].filter((key) => key.startsWith(prefix)).sort();
  }

  /** Lists at most `keys` entries a page, as when a prefix holds more than 1000 objects. */
  capListPages(keys: number): void {
    this.pageKeys = keys;
  }

  /**
   * Answers a missing key as S3 answers a caller without `s3:ListBucket`: 403, `Forbidden` to
   * HeadObject (which has no body to name the error) and `AccessDenied` to GetObject and CopyObject.
   */
  withoutListing(): this {
    this.listable = false;
    return this;
  }

  /** S3's answer to a command on a bucket that does not exist, or undefined when it does. */
  private noSuchBucket(bucket: string | undefined, command: 'get' | 'head' = 'get'): Error | undefined {
    if (this.buckets.has(bucket!)) return undefined;
    if (command === 'head') return new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } });
    return new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } });
  }

  private missing(command: 'get' | 'head'): Error {
    if (!this.listable) {
      const name = command === 'head' ? 'Forbidden' : 'AccessDenied';
      return new S3ServiceException({
        name,
        message: command === 'head' ? 'Forbidden' : 'Access Denied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      });
    }
    return command === 'head'
      ? new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } })
      : new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
  }

  private readonly getObject = async (input: GetObjectCommandInput) => {
    const noBucket = this.noSuchBucket(input.Bucket);
    if (noBucket) throw noBucket;
    const body = this.version(input.Bucket!, input.Key!, input.VersionId);
    if (body === undefined) throw this.missing('get');
    const versionId = input.VersionId ?? this.versionId(input.Bucket!, input.Key!);
    return { Body: sdkStreamMixin(Readable.from([Buffer.from(body)])), ContentLength: Buffer.byteLength(body), VersionId: versionId };
  };

  private readonly headObject = async (input: HeadObjectCommandInput) => {
    const noBucket = this.noSuchBucket(input.Bucket, 'head');
    if (noBucket) throw noBucket;
    const body = this.get(input.Bucket!, input.Key!);
    if (body === undefined) throw this.missing('head');
    return { ContentLength: Buffer.byteLength(body), ETag: '"fake"' };
  };

  /** Copies within or across buckets; `CopySource` is `bucket/key[?versionId=<id>]`, the key URL-encoded, as the SDK sends it. */
  private readonly copyObject = async (input: CopyObjectCommandInput) => {
    const [source, query = ''] = input.CopySource!.split('?');
    const versionId = new URLSearchParams(query).get('versionId') ?? undefined;
    const slash = source.indexOf('/');
    const body = this.version(source.slice(0, slash), decodeURIComponent(source.slice(slash + 1)), versionId);
    if (body === undefined) throw this.missing('get');
    this.put(input.Bucket!, input.Key!, body);
    return { CopyObjectResult: { ETag: '"fake"' }, VersionId: this.versionId(input.Bucket!, input.Key!) };
  };

  private readonly putObject = async (input: PutObjectCommandInput) => {
    const noBucket = this.noSuchBucket(input.Bucket);
    if (noBucket) throw noBucket;
    if (typeof input.Body !== 'string' && !(input.Body instanceof Uint8Array))
      throw new Error('FakeS3 stores string and byte bodies only: the handlers send JSON and text');
    const body = typeof input.Body === 'string' ? input.Body : Buffer.from(input.Body).toString('utf8');
    if (input.IfNoneMatch !== undefined && input.IfNoneMatch !== '*') throw new Error(`FakeS3 understands IfNoneMatch "*" only, got ${input.IfNoneMatch}`);
    if (input.IfNoneMatch === '*' && this.get(input.Bucket!, input.Key!) !== undefined) {
      throw new S3ServiceException({
        name: 'PreconditionFailed',
        message: 'At least one of the pre-conditions you specified did not hold',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
      });
    }
    this.put(input.Bucket!, input.Key!, body);
    return { ETag: '"fake"', VersionId: this.versionId(input.Bucket!, input.Key!) };
  };

  private readonly listObjects = async (input: ListObjectsV2CommandInput) => {
    const noBucket = this.noSuchBucket(input.Bucket);
    if (noBucket) throw noBucket;
    const prefix = input.Prefix ?? '';
    // Keys, or with a delimiter, the common prefixes that roll up the keys beneath them, in key order.
    const entries = new Map<string, { key?: string; commonPrefix?: string }>();
    for (const key of this.keys(input.Bucket!, prefix)) {
      const cut = input.Delimiter ? key.indexOf(input.Delimiter, prefix.length) : -1;
      const entry = cut === -1 ? { key } : { commonPrefix: key.slice(0, cut + input.Delimiter!.length) };
      entries.set(entry.key ?? entry.commonPrefix!, entry);
    }
    const all = [...entries.values()];
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = all.slice(start, start + this.pageKeys);
    const next = start + page.length;
    return {
      Contents: page.filter((entry) => entry.key).map((entry) => ({ Key: entry.key, Size: Buffer.byteLength(this.get(input.Bucket!, entry.key!)!) })),
      CommonPrefixes: page.filter((entry) => entry.commonPrefix).map((entry) => ({ Prefix: entry.commonPrefix })),
      KeyCount: page.length,
      IsTruncated: next < all.length,
      ...(next < all.length ? { NextContinuationToken: String(next) } : {}),
    };
  };
}
