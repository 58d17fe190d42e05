import { Tags, type App } from 'aws-cdk-lib';
import { APP_NAMESPACE, CORE_SERVICE_REGISTRY } from './config/core-services';
import type { EnvironmentConfig } from './config/environment-config';
import { PROJECT, physicalName } from './config/naming';
import { removalPolicyOf } from './config/removal';
import { ownLogGroupsForEveryFunction } from './constructs/function-log-groups';
import { ChaosStack } from './stacks/chaos-stack';
import { ClusterStack } from './stacks/cluster-stack';
import { CostGuardrailsStack } from './stacks/cost-guardrails-stack';
import { DataStack } from './stacks/data-stack';
import { FunctionsStack } from './stacks/functions-stack';
import { GitHubDeployRoleStack } from './stacks/github-deploy-role-stack';
import { NetworkStack } from './stacks/network-stack';
import { ObservabilityStack } from './stacks/observability-stack';

/** The stacks of one environment, for tests and for whatever a fork adds on top. */
export interface Platform {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly functions: FunctionsStack;
  readonly cluster: ClusterStack;
  readonly costGuardrails: CostGuardrailsStack;
  readonly observability: ObservabilityStack;
  readonly chaos: ChaosStack;
}

/** Stacks that exist only when the config asks for them (absent keys, not undefined values). */
export interface OptionalStacks {
  /** The roles the fork's GitHub Actions assume (config.github, `-c githubRepository=<owner>/<name>`). */
  readonly githubDeploy?: GitHubDeployRoleStack;
}

/**
 * Creates every stack of one environment in `app`. Stacks are environment-agnostic (no account or
 * region), so synthesis needs no credentials and no lookups; `cdk deploy` picks the account and region
 * of the caller's AWS profile.
 */
export function createPlatform(app: App, config: EnvironmentConfig): Platform & OptionalStacks {
  const stackName = (concern: string) => physicalName(config, concern);
  // An environment that retains its data cannot be deleted by a stray `cdk destroy` either: a partial
  // delete would take the node pool, node role and security groups from under a retained cluster.
  const terminationProtection = config.removalPolicy === 'retain';

  const network = new NetworkStack(app, stackName('network'), { config, terminationProtection, description: 'VPC, subnets, NAT, flow logs, gateway endpoints' });
  const data = new DataStack(app, stackName('data'), { config, terminationProtection, vpc: network.vpc, description: 'Aurora PostgreSQL Serverless v2' });
  // Its description lists what the registries give it (FunctionsStack).
  const functions = new FunctionsStack(app, stackName('functions'), { config, terminationProtection });
  const cluster = new ClusterStack(app, stackName('cluster'), {
    config,
    terminationProtection,
    vpc: network.vpc,
    database: data.database,
    databaseName: data.databaseName,
    eventBus: functions.eventBus,
    alarmTopic: functions.alarmTopic,
    description: 'EKS cluster, core API images, node pool, Pod Identity roles, the k8s charts',
  });
  const costGuardrails = new CostGuardrailsStack(app, stackName('cost-guardrails'), { config, terminationProtection, description: 'Monthly AWS Budget with e-mail alerts' });
  // Reads the other stacks' resources through weak references (cdk.json's
  // @aws-cdk/core:defaultCrossStackReferences "weak": Fn::GetStackOutput, not exports), which
  // CloudFormation does not guard: it deploys after them because the CDK CLI orders stacks by their
  // references, and is deleted before them only by `cdk destroy --all` (the CLI's reverse order).
  const observability = new ObservabilityStack(app, stackName('observability'), {
    config,
    terminationProtection,
    // The literal name the agent is configured with (ContainerInsights), so the alarms' ClusterName is that same value.
    clusterName: cluster.clusterName,
    appNamespace: APP_NAMESPACE,
    apiLoadBalancerDimension: cluster.apiLoadBalancer.metricsDimension,
    functions: functions.watchedFunctions,
    database: data.database,
    services: CORE_SERVICE_REGISTRY,
    description: 'Dashboard, alarms and the steady-state composite alarm (the stop condition of chaos experiments)',
  });
  const chaos = new ChaosStack(app, stackName('chaos'), {
    config,
    terminationProtection,
    cluster: cluster.cluster,
    functionFaults: functions.functionFaults,
    stopConditions: [observability.steadyState],
    description: "AWS FIS experiment templates, one per experiment the registries' entries declare, stopped by the steady-state alarm",
  });

  const githubDeploy =
    config.github &&
    new GitHubDeployRoleStack(app, stackName('github-deploy'), {
      config,
      github: config.github,
      terminationProtection,
      description: 'The roles GitHub Actions assume through OIDC to diff and deploy this environment',
    });

  // Every function logs to a group its stack owns, CDK's own handlers included: nothing outlives `cdk destroy`.
  for (const stack of [network, data, functions, cluster, costGuardrails, observability]) {
    ownLogGroupsForEveryFunction(stack, { retention: config.logRetentionDays, removalPolicy: removalPolicyOf(config) });
  }

  // Tags propagate to every taggable resource: the bill can be split by project, environment and owner.
  Tags.of(app).add('project', PROJECT);
  Tags.of(app).add('environment', config.name);
  Tags.of(app).add('owner', config.owner);

  return { network, data, functions, cluster, costGuardrails, observability, chaos, ...(githubDeploy && { githubDeploy }) };
}
