import { readFileSync } from 'node:fs';
import { ValuesError, platformValuesFrom, validateValues, type ChartInputs, type PlatformValues } from './values';

/** Values written by hand (or by a pipeline): a JSON file of the PlatformValues shape. */
export function valuesFromFile(path: string): PlatformValues {
  return validateValues(readJson(path), path);
}

/**
 * Values from `cdk deploy --all --outputs-file <path>`: the cluster stack's `ChartInputs` output,
 * with the images that deploy built and pushed.
 */
export function valuesFromCdkOutputs(path: string): PlatformValues {
  const outputs = readJson(path) as Record<string, Record<string, string>>;
  const found = Object.entries(outputs).filter(([, stackOutputs]) => typeof stackOutputs?.ChartInputs === 'string');
  if (found.length !== 1) {
    throw new ValuesError(`${path}: expected exactly one stack with a ChartInputs output (the cluster stack), found ${found.length}`);
  }
  const [stackName, stackOutputs] = found[0];
  const inputs = JSON.parse(stackOutputs.ChartInputs) as ChartInputs;
  return validateValues(platformValuesFrom(inputs), `${path} (${stackName}.ChartInputs)`);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValuesError(`Cannot read values from ${path}: ${(error as Error).message}`);
  }
}
