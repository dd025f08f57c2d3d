import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { round, summarize } from './stats';

const SAMPLES = 60;

async function p50(send: (i: number) => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await send(i);
    samples.push(performance.now() - started);
  }
  return summarize(samples.slice(10)).p50Ms;
}

/**
 * The p50 of each emulator call on RegisterModel's critical path, sent bare from this process:
 * HeadObject, the counter UpdateItem, a version transaction, then PutEvents (the latest-version
 * raise runs beside it). Their sum is the least a registration can take on these emulators.
 */
export async function registerFloor(
  clients: { dynamodb: DynamoDBClient; s3: S3Client; eventBridge: EventBridgeClient },
  names: { table: string; bucket: string; key: string; bus: string },
) {
  const db = DynamoDBDocumentClient.from(clients.dynamodb);
  const calls = {
    headObjectMs: await p50(() => clients.s3.send(new HeadObjectCommand({ Bucket: names.bucket, Key: names.key, ChecksumMode: 'ENABLED' }))),
    reserveMs: await p50(() =>
      db.send(
        new UpdateCommand({
          TableName: names.table,
          Key: { pk: 'M#floor', sk: '#MODEL' },
          UpdateExpression: 'ADD nextVersion :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    ),
    transactionMs: await p50((i) =>
      db.send(
        new TransactWriteCommand({
          TransactItems: ['V', 'T', 'G'].map((kind) => ({
            Put: {
              TableName: names.table,
              Item: { pk: 'M#floor', sk: `${kind}#${i}`, body: 'x'.repeat(400) },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
        }),
      ),
    ),
    putEventsMs: await p50(() =>
      clients.eventBridge.send(new PutEventsCommand({ Entries: [{ EventBusName: names.bus, Source: 'bench', DetailType: 'Floor', Detail: '{}' }] })),
    ),
  };
  return {
    ...calls,
    sumMs: round(
      Object.values(calls).reduce((sum, ms) => sum + ms, 0),
      2,
    ),
  };
}
