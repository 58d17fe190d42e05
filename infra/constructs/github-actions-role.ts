import { DefaultStackSynthesizer, Duration, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The issuer of GitHub Actions' OIDC tokens, without its scheme: the prefix of their claims' condition keys in IAM. */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';

/** The audience aws-actions/configure-aws-credentials requests its token for. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** The roles `cdk bootstrap` creates, by what the CDK CLI uses each for. */
const BOOTSTRAP_ROLE_ARNS = {
  deploy: DefaultStackSynthesizer.DEFAULT_DEPLOY_ROLE_ARN,
  'file-publishing': DefaultStackSynthesizer.DEFAULT_FILE_ASSET_PUBLISHING_ROLE_ARN,
  'image-publishing': DefaultStackSynthesizer.DEFAULT_IMAGE_ASSET_PUBLISHING_ROLE_ARN,
  lookup: DefaultStackSynthesizer.DEFAULT_LOOKUP_ROLE_ARN,
} as const;

export type BootstrapRole = keyof typeof BOOTSTRAP_ROLE_ARNS;

export interface GitHubActionsRoleProps {
  /** GitHub's OIDC provider in this account (created or imported by the caller: one per account). */
  readonly provider: iam.IOidcProvider;
  /** `<owner>/<name>`, spelled as GitHub spells it: IAM compares the `sub` claim case-sensitively. */
  readonly repository: string;
  /**
   * What follows `repo:<owner>/<name>:` in the token's `sub` claim: `environment:<name>` for a job
   * with a GitHub environment, `pull_request` for a pull request's jobs. Exactly one; no wildcards.
   */
  readonly subject: string;
  /** The CDK bootstrap roles (of this account and region) it may assume: its only permission. */
  readonly bootstrapRoles: readonly BootstrapRole[];
  /**
   * How long the job's credentials last. The CLI renews its bootstrap-role sessions (1 h each, the
   * limit of a chained role) from these, so this bounds the whole job: a first deploy of the platform
   * takes 35-45 minutes plus installs and image builds.
   */
  readonly maxSessionDuration: Duration;
  readonly description: string;
}

/**
 * A role that one kind of GitHub Actions job of one repository assumes with its OIDC token, and that
 * can do nothing but assume CDK bootstrap roles: what the CLI then does is bounded by those roles,
 * which the bootstrap already scopes (the deploy role hands CloudFormation its execution role; the
 * lookup role reads). No access keys exist to leak.
 */
export class GitHubActionsRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubActionsRoleProps) {
    super(scope, id);
    const qualifier = Stack.of(this).synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    this.role = new iam.Role(this, 'Role', {
      description: props.description,
      assumedBy: new iam.WebIdentityPrincipal(props.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_ISSUER}:aud`]: STS_AUDIENCE,
          [`${GITHUB_OIDC_ISSUER}:sub`]: `repo:${props.repository}:${props.subject}`,
        },
      }),
      maxSessionDuration: props.maxSessionDuration,
      inlinePolicies: {
        AssumeCdkBootstrapRoles: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['sts:AssumeRole'],
              resources: props.bootstrapRoles.map((kind) => Fn.sub(BOOTSTRAP_ROLE_ARNS[kind].replace('${Qualifier}', qualifier))),
            }),
          ],
        }),
      },
    });
  }
}
