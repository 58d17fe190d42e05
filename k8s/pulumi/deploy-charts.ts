import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** This folder: Pulumi runs the program with it as the working directory, and relative config paths start here. */
const PROJECT_DIR = __dirname;
/** Where `npm run synth` (k8s/synth.ts) writes the charts. */
export const DEFAULT_MANIFESTS_DIR = resolve(PROJECT_DIR, '../../dist/k8s');

export interface DeployChartsArgs {
  /** Folder of synthesized charts: one YAML file per chart, applied in file-name order (0000-platform.yaml first). */
  readonly manifestsDir: string;
  /** Contents of, or path to, a kubeconfig. Default: the ambient kubeconfig ($KUBECONFIG or ~/.kube/config). */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Context in that kubeconfig. Default: its current context. */
  readonly context?: pulumi.Input<string>;
  /**
   * Don't wait for objects to become ready (Deployments available, Ingresses given an address). Off by
   * default; useful on a test cluster (kind, k3d) with no ALB controller or no access to the images.
   */
  readonly skipAwait?: boolean;
}

export interface DeployedChart {
  /** The YAML file, e.g. `0000-platform.yaml`. */
  readonly file: string;
  /** How many Kubernetes objects it holds. */
  readonly objectCount: number;
  /** Its Namespaces and CRDs (applied first), then everything else: one v1 ConfigGroup each, in that order. */
  readonly groups: k8s.yaml.ConfigGroup[];
}

export interface DeployedCharts {
  readonly provider: k8s.Provider;
  /** In the order they are applied. */
  readonly charts: DeployedChart[];
}

export class ManifestsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestsError';
  }
}

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Applies every chart in `manifestsDir` to the cluster of the given kubeconfig/context.
 *
 * Each object is registered as its own typed Pulumi resource (`kubernetes:core/v1:Namespace`,
 * `kubernetes:apps/v1:Deployment`, ..., a CustomResource for kinds the SDK has no class for) through
 * the v1 `k8s.yaml.ConfigGroup`, fed with objects parsed here (the v2 ConfigGroup/ConfigFile expand in the
 * provider, so a test with mocks sees no objects at all). Ordering is explicit: a chart's Namespaces and
 * CRDs go first, its other objects depend on them, and every object depends on the objects of the chart
 * before it; so the platform chart's Namespace exists before anything is created in it, and is deleted last.
 */
export function deployCharts(args: DeployChartsArgs): DeployedCharts {
  const files = listManifestFiles(args.manifestsDir);
  const parsed = files.map((file) => ({ file, objects: readManifest(join(args.manifestsDir, file)) }));

  const provider = new k8s.Provider('target-cluster', { kubeconfig: args.kubeconfig, context: args.context });

  let after: pulumi.Input<pulumi.Resource[]> = [];
  const charts = parsed.map(({ file, objects }) => {
    const chart = basename(file, extname(file));
    const first = objects.filter(isPrerequisite);
    const rest = objects.filter((object) => !isPrerequisite(object));
    const groups: k8s.yaml.ConfigGroup[] = [];
    for (const [name, objs] of [
      [`${chart}-namespaces-and-crds`, first],
      [chart, rest],
    ] as const) {
      if (objs.length === 0) continue;
      const dependsOn = after;
      const group = new k8s.yaml.ConfigGroup(
        name,
        {
          objs,
          skipAwait: args.skipAwait ?? false,
          // The group waiting for `after` delays its children; this also records the dependency on each object,
          // so the engine knows it (e.g. deletes the Namespace last).
          transformations: [
            (_obj: unknown, opts: pulumi.CustomResourceOptions) => {
              opts.dependsOn = dependsOn;
            },
          ],
        },
        { provider, dependsOn },
      );
      groups.push(group);
      after = group.resources.apply((resources) => Object.values(resources));
    }
    return { file, objectCount: objects.length, groups };
  });
  return { provider, charts };
}

/** The program's settings from the stack config: `kubeconfig` (secret), `context`, `manifestsDir`, `skipAwait`. */
export function deployArgsFromConfig(config = new pulumi.Config()): DeployChartsArgs {
  return {
    manifestsDir: resolve(PROJECT_DIR, config.get('manifestsDir') ?? DEFAULT_MANIFESTS_DIR),
    kubeconfig: config.getSecret('kubeconfig'),
    context: config.get('context'),
    skipAwait: config.getBoolean('skipAwait') ?? false,
  };
}

/** The YAML files in `dir`, sorted by name; throws if there are none. */
export function listManifestFiles(dir: string): string[] {
  const hint = 'run `npm run synth` (or `npm run synth:k8s`) first';
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ManifestsError(`No chart manifests: ${dir} does not exist; ${hint}.`);
  }
  const files = readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file) && statSync(join(dir, file)).isFile())
    .sort();
  if (files.length === 0) {
    throw new ManifestsError(`No chart manifests: ${dir} has no .yaml files; ${hint}.`);
  }
  return files;
}

/** Every object in a multi-document YAML file; throws on a YAML error or on a document that is not a Kubernetes object. */
export function readManifest(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).flatMap((doc, index) => {
    if (doc.errors.length > 0) throw new ManifestsError(`${path}, document ${index + 1}: ${doc.errors[0].message}`);
    const object = doc.toJS() as Partial<KubeObject> | null;
    if (object === null || object === undefined) return [];
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new ManifestsError(`${path}, document ${index + 1}: not a Kubernetes object (needs apiVersion, kind and metadata.name)`);
    }
    return [object as KubeObject];
  });
}

/** Objects others may need to exist first: Namespaces (others live in them) and CRDs (others may be of their kind). */
function isPrerequisite(object: KubeObject): boolean {
  return (
    (object.apiVersion === 'v1' && object.kind === 'Namespace') ||
    (object.apiVersion.startsWith('apiextensions.k8s.io/') && object.kind === 'CustomResourceDefinition')
  );
}
