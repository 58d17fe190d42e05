import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { EventFunctionGrant } from '../config/event-functions';

export interface EventFunctionAccessProps {
  /** The grants some event function has (grantsInUse): only their resources are created. */
  readonly grants: readonly EventFunctionGrant[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The resources the event functions' named grants point at (infra/config/event-functions.ts), and
 * the one table of what each grant gives a function: one policy plus the environment variable that
 * names its resource. A resource exists only while some function has its grant, so a fork without
 * such a function pays for neither. They are created in `scope` (ids `IdempotencyTable`,
 * `OrderNotifications`), so their logical ids are the stack's own.
 */
export class EventFunctionAccess {
  /** Where event functions record the events they processed. Present when some function has 'idempotency-table'. */
  readonly idempotencyTable?: dynamodb.TableV2;
  /** Where order notifications are published. Present when some function has 'publish-notifications'. */
  readonly notificationTopic?: sns.Topic;
  private readonly policies: Record<EventFunctionGrant, ((fn: lambda.Function) => void) | undefined>;

  constructor(scope: Construct, { grants, removalPolicy }: EventFunctionAccessProps) {
    const table = grants.includes('idempotency-table')
      ? new dynamodb.TableV2(scope, 'IdempotencyTable', {
          partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
          timeToLiveAttribute: 'expiration',
          billing: dynamodb.Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          removalPolicy,
        })
      : undefined;
    // Only event functions publish here, each with its own role: the AWS-managed SNS key serves them (unlike alarms).
    const topic = grants.includes('publish-notifications')
      ? new sns.Topic(scope, 'OrderNotifications', { enforceSSL: true, masterKey: kms.Alias.fromAliasName(scope, 'SnsKey', 'alias/aws/sns') })
      : undefined;
    this.idempotencyTable = table;
    this.notificationTopic = topic;
    this.policies = {
      'idempotency-table':
        table &&
        ((fn) => {
          table.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
          fn.addEnvironment('IDEMPOTENCY_TABLE_NAME', table.tableName);
        }),
      // sns:Publish only: the topic's AWS-managed key lets SNS use it for any publisher in the account.
      'publish-notifications':
        topic &&
        ((fn) => {
          fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
          fn.addEnvironment('NOTIFICATION_TOPIC_ARN', topic.topicArn);
        }),
    };
  }

  /** Gives `fn` what `grant` stands for; the grant must be one of those this was created for. */
  grant(fn: lambda.Function, grant: EventFunctionGrant): void {
    const policy = this.policies[grant];
    if (!policy) throw new Error(`The ${grant} grant has no resource: create EventFunctionAccess with every grant the event functions have (grantsInUse)`);
    policy(fn);
  }
}
