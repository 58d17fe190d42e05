import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The cloud assemblies of the shipped environments, synthesized once per jest run by the global setup
 * (./global-setup.ts) and read by every test worker (../platform-fixture.ts). The directory is handed
 * to the workers in this environment variable; a worker without it synthesizes for itself.
 */
export const SHARED_ASSEMBLIES = 'TEST_PLATFORM_ASSEMBLIES';

/** Where the cloud assembly of one environment is, in the shared directory. */
export const assemblyDirOf = (root: string, env: string): string => join(root, env);

/** Names which stack of an assembly is which concern of the platform (network, data, ...), by artifact id. */
const STACK_IDS_FILE = 'platform-stack-ids.json';

export function writeStackIds(root: string, env: string, stackIds: Record<string, string>): void {
  writeFileSync(join(assemblyDirOf(root, env), STACK_IDS_FILE), JSON.stringify(stackIds));
}

export function readStackIds(root: string, env: string): Record<string, string> {
  return JSON.parse(readFileSync(join(assemblyDirOf(root, env), STACK_IDS_FILE), 'utf8'));
}
