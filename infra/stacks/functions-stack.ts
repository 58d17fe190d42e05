import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_THUMBNAILS, THUMBNAILS_PREFIX, thumbnailEnvironment, UPLOADS_PREFIX } from '../../functions/shared/thumbnail-contract';
import type { EnvironmentConfig } from '../config/environment-config';
import { EVENT_FUNCTION_NAMES, EVENT_FUNCTIONS, type EventFunctionDefinition, type EventFunctionGrant, type EventFunctionName } from '../config/event-functions';
import { pascalCase, physicalName, uploadsBucketName } from '../config/naming';
import { keyLifecycleOf, removalPolicyOf } from '../config/removal';
import { AlarmTopic } from '../constructs/alarm-topic';
import { LambdaFaultInjection } from '../constructs/lambda-fault-injection';
import { EventSubscriberFunction } from '../constructs/event-subscriber';
import { PlatformFunction } from '../constructs/platform-function';
import { sharpForLambda } from '../constructs/sharp-bundling';

export interface FunctionsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * The serverless half: bursty, infrequent jobs that run on Lambda.
 *
 *   S3 uploads/ ──ObjectCreated──> image-resizer ──> S3 thumbnails/      (failures: retries, then DLQ)
 *   orders ──PutEvents──> event bus ──rule (OrderPlaced)──> SQS (+DLQ) ──> notifier ──> SNS topic
 */
export class FunctionsStack extends Stack {
  readonly uploadsBucket: s3.Bucket;
  readonly eventBus: events.EventBus;
  readonly notificationTopic: sns.Topic;
  readonly imageResizer: lambda.Function;
  /** The functions that react to order events (infra/config/event-functions.ts), each with its queue and DLQ. */
  readonly eventFunctions: Record<EventFunctionName, EventSubscriberFunction>;
  /** Lets AWS FIS fail or delay the notifier's invocations (the chaos stack's experiments). */
  readonly notifierFaults: LambdaFaultInjection;
  /** Uploads the image-resizer gave up on. */
  readonly imageResizerDeadLetters: sqs.IQueue;

  constructor(scope: Construct, id: string, props: FunctionsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);
    const destroyable = removalPolicy === RemovalPolicy.DESTROY;
    const functionDefaults = { logRetention: config.logRetentionDays, removalPolicy };
    // ---- operations: every alarm of this stack e-mails the environment's owner
    const alarmTopic = new AlarmTopic(this, 'AlarmTopic', { email: config.budget.alertEmail, keyProps: keyLifecycleOf(config) }).topic;
    const alarmWhenAboveZero = (alarmId: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new cloudwatchActions.SnsAction(alarmTopic));
    const deadLetterQueue = (queueId: string) =>
      new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy,
      });

    // ---- uploads and thumbnails
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
      removalPolicy,
      autoDeleteObjects: destroyable,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the uploads bucket; logging it to itself would loop.',
    });

    this.uploadsBucket = new s3.Bucket(this, 'Uploads', {
      bucketName: uploadsBucketName(config),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'uploads-bucket/',
      lifecycleRules: [
        // Presigned uploads that never completed cost money and help nobody.
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Originals are read once (to make thumbnails), then rarely: let S3 move them to cheaper tiers.
        { prefix: UPLOADS_PREFIX, transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }] },
      ],
      removalPolicy,
      autoDeleteObjects: destroyable,
    });

    const resizerDeadLetters = deadLetterQueue('ImageResizerDeadLetters');
    Validations.of(resizerDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the image-resizer's on-failure destination: it is a dead-letter queue that cdk-nag cannot recognise as one.",
    });
    const imageResizer = new PlatformFunction(this, 'ImageResizer', {
      ...functionDefaults,
      entry: 'functions/image-resizer/handler.ts',
      serviceName: 'image-resizer',
      description: 'Writes thumbnails of images uploaded under uploads/',
      // sharp decodes whole images in memory; 1 GB also buys proportionally more CPU.
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: { ...thumbnailEnvironment(DEFAULT_THUMBNAILS), MAX_INPUT_BYTES: String(10 * 1024 * 1024), MAX_INPUT_PIXELS: String(40_000_000) },
      bundling: sharpForLambda(),
      // Unexpected failures (S3 errors) are retried twice, then kept in a DLQ; bad images are not retried.
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(resizerDeadLetters),
    });
    // Exactly what the handler calls: Head/GetObject on uploads, PutObject on thumbnails, and ListBucket
    // (on uploads/ only) so that a deleted upload answers 404, not 403.
    imageResizer.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.uploadsBucket.arnForObjects(`${UPLOADS_PREFIX}*`)] }));
    imageResizer.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.uploadsBucket.arnForObjects(`${THUMBNAILS_PREFIX}*`)] }));
    imageResizer.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.uploadsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${UPLOADS_PREFIX}*`] } },
      }),
    );
    for (const prefix of [UPLOADS_PREFIX, THUMBNAILS_PREFIX]) {
      Validations.of(imageResizer.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.uploadsBucket.node.defaultChild as s3.CfnBucket)}.Arn>/${prefix}*]`,
        reason: `Objects are named by key prefix: ${prefix}* is the narrowest ARN that covers objects that do not exist yet.`,
      });
    }
    this.uploadsBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(imageResizer), { prefix: UPLOADS_PREFIX });
    this.imageResizer = imageResizer;
    this.imageResizerDeadLetters = resizerDeadLetters;

    // ---- order events and notifications
    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: physicalName(config, 'events') });

    const idempotencyTable = new dynamodb.TableV2(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    // Only the notifier publishes here, with its own role: the AWS-managed SNS key serves it (unlike alarms).
    this.notificationTopic = new sns.Topic(this, 'OrderNotifications', {
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });

    // Each named grant of the registry: the one policy it stands for, and the variable naming its resource.
    const grants: Record<EventFunctionGrant, (fn: lambda.Function) => void> = {
      'idempotency-table': (fn) => {
        idempotencyTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
        fn.addEnvironment('IDEMPOTENCY_TABLE_NAME', idempotencyTable.tableName);
      },
      // sns:Publish only: the topic's AWS-managed key lets SNS use it for any publisher in the account.
      'publish-notifications': (fn) => {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.notificationTopic.topicArn] }));
        fn.addEnvironment('NOTIFICATION_TOPIC_ARN', this.notificationTopic.topicArn);
      },
    };
    this.eventFunctions = Object.fromEntries(
      EVENT_FUNCTION_NAMES.map((name) => {
        const definition: EventFunctionDefinition = EVENT_FUNCTIONS[name];
        const fn = new EventSubscriberFunction(this, pascalCase(name), { ...functionDefaults, name, description: definition.description, eventBus: this.eventBus, detailTypes: definition.detailTypes });
        for (const grant of definition.grants ?? []) grants[grant](fn);
        return [name, fn];
      }),
    ) as Record<EventFunctionName, EventSubscriberFunction>;
    this.notifierFaults = new LambdaFaultInjection(this, 'NotifierFaultInjection', {
      target: this.eventFunctions.notifier,
      bucketNamePrefix: physicalName(config, 'fis'),
      removalPolicy,
    });

    // ---- alarms
    alarmWhenAboveZero('ImageResizerDeadLettersAlarm', resizerDeadLetters.metricApproximateNumberOfMessagesVisible(), 'Uploads the image-resizer failed to process');
    for (const [name, fn] of Object.entries(this.eventFunctions)) {
      alarmWhenAboveZero(`${pascalCase(name)}DeadLettersAlarm`, fn.deadLetters.metricApproximateNumberOfMessagesVisible(), `Order events the ${name} failed to process`);
    }
    for (const [name, fn] of [['ImageResizer', imageResizer], ...Object.entries(this.eventFunctions).map(([fnName, f]) => [pascalCase(fnName), f] as const)] as const) {
      alarmWhenAboveZero(`${name}ErrorsAlarm`, fn.metricErrors({ period: Duration.minutes(5) }), `${name} invocations that failed`);
    }

    const bucketNotificationsHandler = this.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'))!;
    Validations.of(bucketNotificationsHandler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "Only on the function aws-cdk-lib creates to configure the bucket's event notifications; our functions use their own roles.",
    });

    new CfnOutput(this, 'UploadsBucketName', { value: this.uploadsBucket.bucketName });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.notificationTopic.topicArn });
  }
}
