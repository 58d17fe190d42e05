import { Aws, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CoreServiceGrant } from '../config/core-services';
import type { EnvironmentConfig } from '../config/environment-config';
import { physicalName, uploadsBucketName } from '../config/naming';
import { THUMBNAILS_PREFIX, UPLOADS_PREFIX } from '../../functions/shared/thumbnail-contract';

/** The AWS resources the named grants point at. */
export interface CoreServiceAccessTargets {
  readonly config: EnvironmentConfig;
  /** Where orders are published. */
  readonly eventBus: events.IEventBus;
}

/**
 * Gives a core service's role the access one named grant stands for (the registry's `grants`,
 * infra/config/core-services.ts). Every policy a core API can get is in this one table: a review of
 * what the pods may do in AWS starts and ends here. (Reading the database secret comes with
 * `usesDatabase`.)
 */
export function grantCoreServiceAccess(role: iam.IRole, grant: CoreServiceGrant, targets: CoreServiceAccessTargets): void {
  POLICIES[grant](role, targets);
}

const POLICIES: Record<CoreServiceGrant, (role: iam.IRole, targets: CoreServiceAccessTargets) => void> = {
  'presign-uploads': (role, { config }) => grantPresignedUploads(role, config),
  'publish-events': (role, { eventBus }) => eventBus.grantPutEventsTo(role),
};

/**
 * Presigned PUT URLs for uploads/ (the client uploads with the pod's permission) and GET URLs for
 * thumbnails/ (product responses carry them): exactly these two, nothing else in the bucket.
 */
function grantPresignedUploads(role: iam.IRole, config: EnvironmentConfig): void {
  const grants = [
    { action: 's3:PutObject', prefix: UPLOADS_PREFIX },
    { action: 's3:GetObject', prefix: THUMBNAILS_PREFIX },
  ];
  for (const { action, prefix } of grants) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [action], resources: [`arn:${Aws.PARTITION}:s3:::${uploadsBucketName(config)}/${prefix}*`] }),
    );
    // How cdk-nag prints that ARN, with the pseudo parameters in angle brackets.
    const nagArn = `arn:<AWS::Partition>:s3:::${physicalName(config, 'uploads')}-<AWS::AccountId>-<AWS::Region>/${prefix}*`;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn}]`,
      reason: `Objects are named by key prefix: ${prefix}* is the narrowest ARN that covers objects that do not exist yet.`,
    });
  }
}
