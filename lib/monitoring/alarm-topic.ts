import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

export interface AlarmTopicProps {
  readonly description: string;
  /** @default - not encrypted (see `createAlarmTopic`) */
  readonly encryptionKey?: kms.IKey;
  /** @default - no subscriptions */
  readonly emails?: readonly string[];
}

/**
 * An SNS topic CloudWatch alarms publish to, as every monitoring alarm topic is: HTTPS only, open to
 * this account's alarms, e-mail subscribers.
 *
 * Encryption takes a customer-managed key whose policy lets CloudWatch use it: the AWS managed key
 * `alias/aws/sns` cannot be used, because its key policy (which no one can edit) does not let
 * CloudWatch alarms call `kms:GenerateDataKey`, so alarms on a topic encrypted with it fail to
 * notify (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns). Without a key the
 * topic is left unencrypted: alarm messages hold alarm names, states and metric values only.
 */
export function createAlarmTopic(scope: Construct, id: string, props: AlarmTopicProps): sns.Topic {
  for (const email of props.emails ?? []) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new Error(`alarm e-mail addresses must look like name@example.com, got "${email}"`);
  }
  const topic = new sns.Topic(scope, id, { displayName: props.description, enforceSSL: true, masterKey: props.encryptionKey });
  // enforceSSL writes a topic policy, which replaces SNS's default policy that let this account's alarms publish.
  const { account, region, partition } = Stack.of(scope);
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowThisAccountsAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` } },
    }),
  );
  for (const email of props.emails ?? []) topic.addSubscription(new subscriptions.EmailSubscription(email));
  if (!props.encryptionKey) {
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic under the AWS managed key alias/aws/sns; give the construct a customer-managed key to encrypt it. Alarm messages hold names, states and metric values only.',
    });
  }
  return topic;
}

/**
 * Lets CloudWatch alarms use `key` to publish to the topics it encrypts, with the key policy
 * statement AWS documents for it. Only a key defined in this app can take it; an imported key's
 * policy must already hold it.
 */
export function allowAlarmsToUseKey(key: kms.IKey): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
    /* allowNoOp */ true,
  );
}
