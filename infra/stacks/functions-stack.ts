import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CORE_SERVICE_REGISTRY, type CoreServiceDefinition } from '../config/core-services';
import type { EnvironmentConfig } from '../config/environment-config';
import { EVENT_FUNCTIONS, grantsInUse, type EventFunctionDefinition, type EventFunctionName } from '../config/event-functions';
import { pascalCase, physicalName } from '../config/naming';
import { keyLifecycleOf, removalPolicyOf } from '../config/removal';
import { needsUploadsBucket, UPLOAD_FUNCTION_NAMES, UPLOAD_FUNCTIONS, type UploadFunctionDefinition, type UploadFunctionName } from '../config/upload-functions';
import { alarmWhenAboveZero } from '../constructs/above-zero-alarm';
import { AlarmTopic } from '../constructs/alarm-topic';
import { EventFunctionAccess } from '../constructs/event-function-access';
import { EventSubscriberFunction } from '../constructs/event-subscriber';
import { FaultConfigurationsBucket } from '../constructs/fault-configurations-bucket';
import { ImageResizerFunction } from '../constructs/image-resizer-function';
import { LambdaFaultInjection } from '../constructs/lambda-fault-injection';
import type { UploadFunction, UploadFunctionConstruct } from '../constructs/upload-function';
import { createUploadsBucket } from '../constructs/uploads-bucket';

/**
 * The construct of each upload function (infra/config/upload-functions.ts): a fork that deletes one
 * from there deletes its line here (the type asks for exactly the declared ones).
 */
const UPLOAD_FUNCTION_CONSTRUCTS: Record<UploadFunctionName, UploadFunctionConstruct> = {
  'image-resizer': ImageResizerFunction,
};

export interface FunctionsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The functions that react to order events. @default EVENT_FUNCTIONS (infra/config/event-functions.ts) */
  readonly eventFunctions?: Readonly<Record<EventFunctionName, EventFunctionDefinition>>;
  /** The functions that react to uploads. @default UPLOAD_FUNCTION_NAMES (infra/config/upload-functions.ts) */
  readonly uploadFunctions?: readonly UploadFunctionName[];
  /** The core services, for whether one presigns uploads. @default CORE_SERVICE_REGISTRY (infra/config/core-services.ts) */
  readonly coreServices?: Readonly<Record<string, CoreServiceDefinition>>;
}

/** A function of the stack, by PascalCase name, with the queue of the events it gave up on: what the alarms (and the observability stack) watch. */
export interface WatchedFunction {
  readonly name: string;
  readonly function: lambda.Function;
  readonly deadLetters: sqs.IQueue;
  /** What the dead letters are, for their alarm. */
  readonly deadLettersDescription: string;
}

/**
 * The serverless half: bursty, infrequent jobs that run on Lambda.
 *
 *   S3 uploads/ ──ObjectCreated──> upload function (e.g. image-resizer)   (failures: retries, then DLQ)
 *   orders ──PutEvents──> event bus ──rule (OrderPlaced)──> SQS (+DLQ) ──> notifier ──> SNS topic
 *
 * What only some functions use (the uploads bucket, the idempotency table, the notification topic)
 * exists only while some function, or core service, in the registries uses it.
 */
export class FunctionsStack extends Stack {
  /** Present when needsUploadsBucket (infra/config/upload-functions.ts). */
  readonly uploadsBucket?: s3.Bucket;
  readonly eventBus: events.EventBus;
  /** Present when some event function has the 'publish-notifications' grant. */
  readonly notificationTopic?: sns.Topic;
  /** The functions that react to uploads (infra/config/upload-functions.ts), each with its DLQ. */
  readonly uploadFunctions: Partial<Record<UploadFunctionName, UploadFunction>>;
  /** The functions that react to order events (infra/config/event-functions.ts), each with its queue and DLQ. */
  readonly eventFunctions: Record<EventFunctionName, EventSubscriberFunction>;
  /**
   * Lets AWS FIS fail or delay an event function's invocations, by function name: only the functions
   * whose registry entry declares a chaos experiment (`invocationErrors`), for the chaos stack.
   */
  readonly functionFaults: Partial<Record<EventFunctionName, LambdaFaultInjection>>;
  /**
   * Every alarm of this stack e-mails the environment's owner through it; so does the sleep
   * schedule's (cluster stack), which already depends on this stack: one topic, one confirmation mail.
   */
  readonly alarmTopic: sns.ITopic;
  /** Every function, upload functions first, with its dead letters. */
  readonly watchedFunctions: readonly WatchedFunction[];

  constructor(scope: Construct, id: string, props: FunctionsStackProps) {
    const { config, uploadFunctions = UPLOAD_FUNCTION_NAMES, coreServices = CORE_SERVICE_REGISTRY } = props;
    // Typed as the general shapes: the registries' literal types narrow to nothing when a fork empties one.
    const eventFunctions: Readonly<Record<string, EventFunctionDefinition>> = props.eventFunctions ?? EVENT_FUNCTIONS;
    const uploadDefinitions: Readonly<Record<string, UploadFunctionDefinition>> = UPLOAD_FUNCTIONS;
    const uploadConstructs: Readonly<Record<string, UploadFunctionConstruct>> = UPLOAD_FUNCTION_CONSTRUCTS;
    const hasUploadsBucket = needsUploadsBucket(uploadFunctions, coreServices);
    // What it holds, for the CloudFormation console: "Serverless half: uploads bucket, image-resizer, event bus, notifier, alarms".
    const contents = [...(hasUploadsBucket ? ['uploads bucket'] : []), ...uploadFunctions, 'event bus', ...Object.keys(eventFunctions), 'alarms'];
    super(scope, id, { description: `Serverless half: ${contents.join(', ')}`, ...props });
    const removalPolicy = removalPolicyOf(config);
    const functionDefaults = { logRetention: config.logRetentionDays, removalPolicy };
    // ---- operations: every alarm of this stack e-mails the environment's owner
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { email: config.budget.alertEmail, keyProps: keyLifecycleOf(config) }).topic;

    // ---- uploads, and the functions they trigger
    const uploads = hasUploadsBucket ? createUploadsBucket(this, { config, removalPolicy }) : undefined;
    // needsUploadsBucket holds whenever there is an upload function: without the bucket there is none.
    const uploadFunctionsBuilt = uploads
      ? uploadFunctions.map((name) => {
          const fn = new uploadConstructs[name](this, pascalCase(name), { ...functionDefaults, name, description: uploadDefinitions[name].description, bucket: uploads });
          return [name, fn] as const;
        })
      : [];
    this.uploadsBucket = uploads;
    this.uploadFunctions = Object.fromEntries(uploadFunctionsBuilt);

    // ---- order events and notifications
    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: physicalName(config, 'events') });
    const access = new EventFunctionAccess(this, { grants: grantsInUse(eventFunctions), removalPolicy });
    this.notificationTopic = access.notificationTopic;
    this.eventFunctions = Object.fromEntries(
      (Object.keys(eventFunctions) as EventFunctionName[]).map((name) => {
        const definition = eventFunctions[name];
        const fn = new EventSubscriberFunction(this, pascalCase(name), { ...functionDefaults, name, description: definition.description, eventBus: this.eventBus, detailTypes: definition.detailTypes });
        for (const grant of definition.grants ?? []) access.grant(fn, grant);
        return [name, fn];
      }),
    ) as Record<EventFunctionName, EventSubscriberFunction>;
    // Only the functions with a declared chaos experiment carry the FIS extension, each reading its own
    // folder of the environment's one configurations bucket.
    const faultTargets = (Object.keys(eventFunctions) as EventFunctionName[]).filter((name) => eventFunctions[name].invocationErrors);
    this.functionFaults = {};
    if (faultTargets.length > 0) {
      const configurations = new FaultConfigurationsBucket(this, 'FaultConfigurations', { config, removalPolicy });
      for (const name of faultTargets) {
        this.functionFaults[name] = new LambdaFaultInjection(this, `${pascalCase(name)}FaultInjection`, { target: this.eventFunctions[name], name, configurations });
      }
    }

    // ---- alarms: on every function's dead letters, then on every function's errors
    this.watchedFunctions = [
      ...uploadFunctionsBuilt.map(([name, fn]) => ({ name: pascalCase(name), function: fn, deadLetters: fn.deadLetters, deadLettersDescription: uploadDefinitions[name].deadLettersDescription })),
      ...Object.entries(this.eventFunctions).map(([name, fn]) => ({ name: pascalCase(name), function: fn, deadLetters: fn.deadLetters, deadLettersDescription: `Order events the ${name} failed to process` })),
    ];
    for (const { name, deadLetters, deadLettersDescription } of this.watchedFunctions) {
      alarmWhenAboveZero(this, `${name}DeadLettersAlarm`, { metric: deadLetters.metricApproximateNumberOfMessagesVisible(), description: deadLettersDescription, topic: this.alarmTopic });
    }
    for (const { name, function: fn } of this.watchedFunctions) {
      alarmWhenAboveZero(this, `${name}ErrorsAlarm`, { metric: fn.metricErrors({ period: Duration.minutes(5) }), description: `${name} invocations that failed`, topic: this.alarmTopic });
    }

    // Present only when an upload function subscribed to the bucket's events.
    const bucketNotificationsHandler = this.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
    if (bucketNotificationsHandler) {
      Validations.of(bucketNotificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "Only on the function aws-cdk-lib creates to configure the bucket's event notifications; our functions use their own roles.",
      });
    }

    if (this.uploadsBucket) new CfnOutput(this, 'UploadsBucketName', { value: this.uploadsBucket.bucketName });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    if (this.notificationTopic) new CfnOutput(this, 'NotificationTopicArn', { value: this.notificationTopic.topicArn });
  }
}
