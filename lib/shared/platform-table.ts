import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface PlatformTableProps {
  /** @default - an AWS-owned key */
  readonly encryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Global secondary indexes keyed `<name>pk`/`<name>sk`, with their projection: a projection type,
   * or the attributes an `INCLUDE` projection copies besides the keys.
   */
  readonly indexes: Readonly<Record<string, dynamodb.ProjectionType | { readonly include: readonly string[] }>>;
}

/**
 * A capability's single table as every platform table is: `pk`/`sk` strings, on demand, PITR,
 * deletion protection, TTL on `expiresAt`, retained; each index keyed `<index>pk`/`<index>sk`.
 */
export function createPlatformTable(scope: Construct, id: string, props: PlatformTableProps): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.DEFAULT,
    encryptionKey: props.encryptionKey,
    timeToLiveAttribute: 'expiresAt',
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  for (const [indexName, projection] of Object.entries(props.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: `${indexName}pk`, type: dynamodb.AttributeType.STRING },
      sortKey: { name: `${indexName}sk`, type: dynamodb.AttributeType.STRING },
      ...(typeof projection === 'string'
        ? { projectionType: projection }
        : { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...projection.include] }),
    });
  }
  return table;
}
