import type { Stack } from '@aws-sdk/client-cloudformation';
import { STSClient } from '@aws-sdk/client-sts';
import { ArtifactType, Manifest } from 'aws-cdk-lib/cloud-assembly-schema';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight, type PreflightDeps } from '../../scripts/preflight';
import type { CommandResult, CommandRunner } from '../../scripts/preflight/run-command';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`;

/** A bootstrap stack as `cdk bootstrap` leaves it today. */
export function bootstrapStack(status = 'UPDATE_COMPLETE', outputs: Record<string, string> = {}): Stack {
  const defaults = { BootstrapVersion: '30', ImageRepositoryName: `cdk-hnb659fds-container-assets-${ACCOUNT}-${REGION}` };
  return {
    StackName: 'CDKToolkit',
    StackStatus: status as Stack['StackStatus'],
    CreationTime: new Date('2026-01-01T00:00:00Z'),
    Outputs: Object.entries({ ...defaults, ...outputs }).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
  };
}

/** An error as the AWS SDK throws it for a service error code. */
export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** A container builder whose `info` always ends this way. */
export const builderThat =
  (result: CommandResult): CommandRunner =>
  async () =>
    result;

export const ANSWERING: CommandResult = { outcome: 'exited', exitCode: 0, stderr: '' };

/** A directory with no cloud assembly in it: the preflight falls back to its defaults. */
export const NO_ASSEMBLY = join(tmpdir(), 'preflight-test-no-cdk-out');

/** A cloud assembly as `cdk synth` writes it, with one stack and its asset manifest. */
export function synthesizedAssembly({ bootstrapVersion, containerImages }: { bootstrapVersion: number; containerImages: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-test-cdk-out-'));
  const image = { source: { directory: 'asset.image' }, destinations: {} };
  Manifest.saveAssetManifest({ version: Manifest.version(), files: {}, dockerImages: containerImages ? { image } : {} }, join(dir, 'app.assets.json'));
  Manifest.saveAssemblyManifest(
    {
      version: Manifest.version(),
      artifacts: {
        'app.assets': { type: ArtifactType.ASSET_MANIFEST, properties: { file: 'app.assets.json', requiresBootstrapStackVersion: bootstrapVersion } },
        app: {
          type: ArtifactType.AWS_CLOUDFORMATION_STACK,
          environment: 'aws://unknown-account/unknown-region',
          properties: { templateFile: 'app.template.json', requiresBootstrapStackVersion: bootstrapVersion },
        },
      },
    },
    join(dir, 'manifest.json'),
  );
  return dir;
}

/** Runs the preflight as `npm run preflight -- <argv>` would, against mocked clients and a container builder that answers. */
export async function runPreflight(argv: string[] = [], deps: Partial<PreflightDeps> = {}) {
  const printed: string[] = [];
  const errors: string[] = [];
  const exitCode = await preflight(argv, {
    sts: new STSClient({ region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } }),
    run: builderThat(ANSWERING),
    env: {},
    cdkOut: NO_ASSEMBLY,
    print: (line) => printed.push(line),
    printError: (line) => errors.push(line),
    ...deps,
  });
  const output = printed.join('\n');
  /** The report line of one check. */
  const line = (check: string) => output.split('\n').find((entry) => entry.includes(` ${check}: `));
  return { exitCode, output, errors: errors.join('\n'), line };
}
