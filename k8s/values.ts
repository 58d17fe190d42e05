import { z } from 'zod';
import {
  APP_NAMESPACE,
  CORE_SERVICE_REGISTRY,
  registryEnvironment,
  type CoreServiceDefinition,
  type CoreServiceName,
  type PlatformInput,
} from '../infra/config/core-services';

/**
 * Core APIs by name, as the values and the charts read them: the registry of
 * infra/config/core-services.ts, unless a caller gives its own (the tests give a fixture, so that they
 * hold whichever services a fork registers).
 */
export type ServiceRegistry<Name extends string = string> = Readonly<Record<Name, CoreServiceDefinition>>;

/**
 * The registry the functions here and in charts.ts read when given none, typed for the names of the
 * caller's values (CoreServiceName when those are the default types too).
 */
export function coreServiceRegistry<Name extends string = CoreServiceName>(): ServiceRegistry<Name> {
  return CORE_SERVICE_REGISTRY as ServiceRegistry as ServiceRegistry<Name>;
}

/** The names of a registry, in its order: the order of the charts too. */
export const serviceNames = <Name extends string>(registry: ServiceRegistry<Name>): Name[] => Object.keys(registry) as Name[];

/**
 * The one typed values object that feeds every chart. The cluster stack fills it with CDK tokens
 * (resolved at deploy time); `npm run synth` fills it from a values file or from the outputs of
 * `cdk deploy --outputs-file` (see values-sources.ts).
 */
export interface PlatformValues<Name extends string = CoreServiceName> {
  /** The VPC's CIDR block: load balancers reach pods from it, and pods reach the database in it. */
  readonly vpcCidr: string;
  readonly services: Record<Name, CoreApiValues>;
  /**
   * Node labels the core API pods must run on: on EKS Auto Mode, the node pool whose nodes enforce
   * NetworkPolicies. Absent on clusters that enforce them everywhere (or for a local kind cluster).
   */
  readonly nodeSelector?: Record<string, string>;
  /** An ACM certificate for the shared load balancer: HTTPS, with HTTP redirected to it. Absent: plain HTTP. */
  readonly certificateArn?: string;
  /**
   * The shared load balancer's name, so that the AWS side can find it (and its metrics) once EKS has
   * created it. Absent: the controller names it.
   */
  readonly loadBalancerName?: string;
}

export interface CoreApiValues {
  /** Container image with a tag or digest, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/x/catalog:1.4.2`; never `:latest`. */
  readonly image: string;
  /** Non-secret configuration, handed to the container as environment variables through a ConfigMap. */
  readonly config: Record<string, string>;
}

/** A tag or a digest at the end, and not `latest`: a manifest must name the exact bytes it runs. */
const pinnedImage = z
  .string()
  // A sha256 digest, what ECR and Docker make. No @ before the tag or digest: `my-api@sha256:0a0b`
  // is a digest cut short, not a tag `0a0b`.
  .regex(/^[^\s@]+(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$/, { message: 'must end in a tag or digest, e.g. registry/my-api:1.0.0' })
  .refine((image) => !image.endsWith(':latest'), { message: 'must not use the tag "latest": pin a version or digest' });

const coreApiValues = z.strictObject({
  image: pinnedImage,
  // The message on the record: zod reports a bad key as the record's issue, not the key schema's.
  config: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string(), {
    error: (issue) => (issue.code === 'invalid_key' ? 'config keys are environment variable names' : undefined),
  }),
});

/** The values' schema: an entry under `services` for each core API of the registry, and for nothing else. */
export const platformValuesSchema = <Name extends string>(registry: ServiceRegistry<Name>) =>
  z.strictObject({
    vpcCidr: z.string().min(1),
    services: z.strictObject(Object.fromEntries(serviceNames(registry).map((name) => [name, coreApiValues]))),
    nodeSelector: z.record(z.string().min(1), z.string()).optional(),
    certificateArn: z.string().startsWith('arn:', { message: 'must be an ACM certificate ARN' }).optional(),
    loadBalancerName: z
      .string()
      .regex(/^(?!internal-)[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/, { message: 'must be 1 to 32 letters, digits and inner hyphens, not starting with "internal-"' })
      .optional(),
  });

export class ValuesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValuesError';
  }
}

/** Validates values from any source, for the core APIs of `registry`; the error names each bad key. */
export function validateValues<Name extends string = CoreServiceName>(
  values: unknown,
  source: string,
  registry: ServiceRegistry<Name> = coreServiceRegistry(),
): PlatformValues<Name> {
  const result = platformValuesSchema(registry).safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ValuesError(`Invalid chart values in ${source}:\n${problems.join('\n')}`);
  }
  // The schema has a key for each of the registry's names, which its inferred type cannot say.
  return result.data as PlatformValues<Name>;
}

/**
 * What the AWS side knows and the charts need. The cluster stack fills it with CDK tokens and also
 * publishes it as the `ChartInputs` output, so `cdk deploy --outputs-file` can feed `npm run synth`.
 */
export interface ChartInputs<Name extends string = CoreServiceName> extends Readonly<Record<PlatformInput, string>> {
  readonly region: string;
  readonly vpcCidr: string;
  readonly databaseHost: string;
  readonly databasePort: string;
  readonly databaseName: string;
  readonly databaseSecretArn: string;
  /** The uploads bucket (a platform input: infra/config/core-services.ts). */
  readonly uploadsBucket: string;
  /** The event bus (a platform input: infra/config/core-services.ts). */
  readonly eventBusName: string;
  /** The image (registry, repository and tag) per core service: what `cdk deploy` built and pushed. */
  readonly images: Record<Name, string>;
  /** See PlatformValues.nodeSelector. */
  readonly nodeSelector?: Record<string, string>;
  /** See PlatformValues.certificateArn. */
  readonly certificateArn?: string;
  /** See PlatformValues.loadBalancerName. */
  readonly loadBalancerName?: string;
}

/** The one mapping from AWS-side inputs to chart values, used with tokens and with plain strings alike. */
export function platformValuesFrom<Name extends string = CoreServiceName>(
  inputs: ChartInputs<Name>,
  registry: ServiceRegistry<Name> = coreServiceRegistry(),
): PlatformValues<Name> {
  const databaseConfig = {
    DATABASE_HOST: inputs.databaseHost,
    DATABASE_PORT: inputs.databasePort,
    DATABASE_NAME: inputs.databaseName,
    DATABASE_SECRET_ARN: inputs.databaseSecretArn,
  };
  const configOf = (name: Name): Record<string, string> => {
    const definition = registry[name];
    return {
      AWS_REGION: inputs.region,
      ...(definition.usesDatabase && databaseConfig),
      ...registryEnvironment(definition, (input) => inputs[input], serviceUrl),
      SERVICE_NAME: name,
    };
  };
  return {
    vpcCidr: inputs.vpcCidr,
    services: Object.fromEntries(serviceNames(registry).map((name) => [name, { image: inputs.images[name], config: configOf(name) }])) as Record<Name, CoreApiValues>,
    ...(inputs.nodeSelector && { nodeSelector: inputs.nodeSelector }),
    ...(inputs.certificateArn && { certificateArn: inputs.certificateArn }),
    ...(inputs.loadBalancerName && { loadBalancerName: inputs.loadBalancerName }),
  };
}

/** A core API as another reaches it: its Service (port 80, core-api-workload.ts), by cluster DNS. */
function serviceUrl(name: string): string {
  return `http://${name}.${APP_NAMESPACE}.svc.cluster.local`;
}
