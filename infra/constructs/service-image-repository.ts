import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

export interface ServiceImageRepositoryProps {
  /** The service whose images this repository holds; also the repository name's last part. */
  readonly serviceName: string;
  readonly repositoryNamePrefix: string;
  readonly removalPolicy: RemovalPolicy;
  /**
   * How many tagged images to keep. Older ones are expired; rollbacks further back rebuild from git.
   * @default 20
   */
  readonly keepImages?: number;
}

/** The ECR repository of one core service: scanned on push, immutable tags, bounded growth. */
export class ServiceImageRepository extends Construct {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ServiceImageRepositoryProps) {
    super(scope, id);
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: `${props.repositoryNamePrefix}/${props.serviceName}`,
      imageScanOnPush: true,
      // A tag always names the same bytes, so a manifest that pins a tag is reproducible.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      lifecycleRules: [
        { description: 'Untagged layers from failed or superseded pushes', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(7), rulePriority: 1 },
        { description: 'Bound storage cost', tagStatus: ecr.TagStatus.ANY, maxImageCount: props.keepImages ?? 20, rulePriority: 2 },
      ],
      removalPolicy: props.removalPolicy,
      emptyOnDelete: props.removalPolicy === RemovalPolicy.DESTROY,
    });
  }
}
