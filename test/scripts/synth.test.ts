import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_SERVICE_REGISTRY, type CoreServiceDefinition } from '../../infra/config/core-services';
import { PROJECT } from '../../infra/config/naming';

const ROOT = join(__dirname, '../..');

describe('npm run synth -- -c env=prod', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'hybrid-synth-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('synthesizes the chosen environment in both halves, CloudFormation and Kubernetes, with the same overrides and no network', () => {
    const cdkOut = join(scratch, 'cdk.out');
    const k8sOut = join(scratch, 'k8s');
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/synth.ts', '-c', 'env=prod', '-c', 'vpcCidr=10.20.0.0/16', '-c', 'natGateways=2', '--cdk-out', cdkOut, '--k8s-out', k8sOut],
      // No network needed: the npm registry unreachable and an empty npm cache (what npx, which bundles
      // the functions, or any fetch of a package would need) change nothing.
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: join(scratch, 'empty-npm-cache') },
      },
    );
    // On failure, show why (bundling writes progress to stderr even on success).
    expect(result.status === 0 ? 0 : result.stderr).toBe(0);
    // It ends with the environment's monthly estimate in one line, read from the templates it wrote.
    expect(result.stdout.split('\n').filter((line) => line.startsWith('cost estimate (prod): '))).toHaveLength(1);

    const templates = readdirSync(cdkOut).filter((file) => file.endsWith('.template.json'));
    expect(templates.sort()).toEqual(['chaos', 'cluster', 'cost-guardrails', 'data', 'functions', 'network', 'observability'].map((concern) => `${PROJECT}-prod-${concern}.template.json`));
    const network = JSON.parse(readFileSync(join(cdkOut, `${PROJECT}-prod-network.template.json`), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { CidrBlock?: string } }> };
    const resources = Object.values(network.Resources);
    expect(resources.find(({ Type }) => Type === 'AWS::EC2::VPC')?.Properties.CidrBlock).toBe('10.20.0.0/16');
    expect(resources.filter(({ Type }) => Type === 'AWS::EC2::NatGateway')).toHaveLength(2);

    const charts = readdirSync(k8sOut);
    const platformChart = readFileSync(join(k8sOut, charts.find((file) => /^\d+-platform\.yaml$/.test(file))!), 'utf8');
    expect(platformChart).toContain('cidr: 10.20.0.0/16');
    // Each core API's chart (found by name: the numbers are the order of application) is configured
    // for prod: the database and every platform input it reads are prod's.
    for (const [name, definition] of Object.entries<CoreServiceDefinition>(CORE_SERVICE_REGISTRY)) {
      const chart = charts.find((file) => new RegExp(`^\\d+-${name}\\.yaml$`).test(file));
      expect({ name, chart }).toEqual({ name, chart: expect.any(String) });
      const config = readFileSync(join(k8sOut, chart!), 'utf8');
      expect(config).toContain(`SERVICE_NAME: ${name}\n`);
      const fromPlatform = [...(definition.usesDatabase ? ['DATABASE_HOST'] : []), ...Object.keys(definition.environment ?? {})];
      for (const variable of fromPlatform) expect(config).toMatch(new RegExp(`\\n +${variable}: ${PROJECT}-prod-`));
    }
  });
});
