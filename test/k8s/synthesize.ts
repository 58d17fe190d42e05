import { App } from 'cdk8s';
import { addPlatformCharts } from '../../k8s/charts';
import { valuesFromFile } from '../../k8s/values-sources';
import type { Manifest } from './manifest-policy';

export const EXAMPLE_VALUES = 'k8s/values/example.json';

/** The charts of k8s/values/example.json, synthesized in-process as `npm run synth:k8s` would (without writing files). */
export function synthesizeApp(): App {
  const app = new App();
  addPlatformCharts(app, valuesFromFile(EXAMPLE_VALUES));
  return app;
}

/** Every manifest of every chart, in the order of the YAML files. */
export function synthesizeManifests(): Manifest[] {
  return synthesizeApp().charts.flatMap((chart) => chart.toJson() as Manifest[]);
}
