import { App } from 'cdk8s';
import { loadConfigFromContext } from '../../infra/config/load-config';
import { addPlatformCharts } from '../../k8s/charts';
import { valuesForEnvironment, valuesFromFile } from '../../k8s/values-sources';
import { FIXTURE_REGISTRY, fixtureValues } from './fixture-registry';
import type { Manifest } from './manifest-policy';

export const EXAMPLE_VALUES = 'k8s/values/example.json';

/** The charts of the fixture registry, synthesized in-process as `npm run synth:k8s` would (without writing files). */
export function synthesizeFixture(app = new App(), values = fixtureValues()): App {
  addPlatformCharts(app, values, FIXTURE_REGISTRY);
  return app;
}

/** The charts of the real registry (infra/config/core-services.ts) with k8s/values/example.json, in-process. */
export function synthesizeRegistry(): App {
  const app = new App();
  addPlatformCharts(app, valuesFromFile(EXAMPLE_VALUES));
  return app;
}

/** The charts of the real registry for an environment before any deploy, as `npm run synth:k8s -- -c env=<name>` makes them. */
export function synthesizeEnvironment(env: string): App {
  const app = new App();
  addPlatformCharts(app, valuesForEnvironment(loadConfigFromContext({ env })));
  return app;
}

/** Every manifest of every chart of `app`, in the order of the YAML files. */
export function manifestsOf(app: App): Manifest[] {
  return app.charts.flatMap((chart) => chart.toJson() as Manifest[]);
}

/** A manifest as assertions read it: its spec reached by path, its data (a ConfigMap's) as strings. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions reach into specs by path
export type FoundManifest = Manifest & { spec: any; data?: Record<string, string> };

/** The manifest of `kind` named `name`; throws, naming both, when there is none. */
export function findManifest(manifests: readonly Manifest[], kind: string, name: string): FoundManifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among the synthesized manifests`);
  return found as FoundManifest;
}
