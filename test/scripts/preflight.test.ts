import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAddressesCommand, DescribeNatGatewaysCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterVersionsCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUOTAS } from '../../scripts/preflight/quotas';
import { ACCOUNT, ANSWERING, awsError, bootstrapStack, builderThat, CALLER_ARN, REGION, runPreflight, synthesizedAssembly } from './preflight-fixtures';
import { ENVIRONMENTS } from '../../infra/config/environments';

/** What the app lists as `env`'s allowed values: the environments of infra/config/environments.ts. */
const ALLOWED_ENVIRONMENTS = Object.keys(ENVIRONMENTS).join(', ');

const sts = mockClient(STSClient);
const cloudFormation = mockClient(CloudFormationClient);
const eks = mockClient(EKSClient);
const serviceQuotas = mockClient(ServiceQuotasClient);
const ec2 = mockClient(EC2Client);

const temporaryDirs: string[] = [];
const assembly = (needs: Parameters<typeof synthesizedAssembly>[0]) => {
  const dir = synthesizedAssembly(needs);
  temporaryDirs.push(dir);
  return dir;
};
afterAll(() => temporaryDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The sandbox with NAT gateways instead of its NAT instance: the quotas the gateways draw on are read. */
const WITH_NAT_GATEWAYS = ['-c', 'natProvider=gateway'];

const vpcs = (count: number) => ({ Vpcs: Array.from({ length: count }, (_, index) => ({ VpcId: `vpc-${index}` })) });
const addresses = (count: number) => ({ Addresses: Array.from({ length: count }, (_, index) => ({ AllocationId: `eipalloc-${index}` })) });

// An account ready for the sandbox: bootstrapped, Kubernetes 1.36 offered, only the default VPC, default quotas.
beforeEach(() => {
  for (const mock of [sts, cloudFormation, eks, serviceQuotas, ec2]) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER_ARN, UserId: 'AROATEST:alice' });
  cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [bootstrapStack()] });
  eks.on(DescribeClusterVersionsCommand).resolves({ clusterVersions: [{ clusterVersion: '1.36', versionStatus: 'STANDARD_SUPPORT' }] });
  serviceQuotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 5 } });
  ec2.on(DescribeVpcsCommand).resolves(vpcs(1));
  ec2.on(DescribeAddressesCommand).resolves(addresses(0));
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
});

describe('npm run preflight', () => {
  it('passes an account that is ready for the sandbox, with a line per check, and exits 0', async () => {
    const { exitCode, output } = await runPreflight();
    expect(output).toBe(
      [
        'Preflight of environment "sandbox" before npx cdk deploy:',
        `  ok       AWS credentials: ${CALLER_ARN} in account ${ACCOUNT}, region ${REGION}`,
        '  ok       CDK bootstrap: CDKToolkit is UPDATE_COMPLETE, version 30 (the app needs 6 or later, aws-cdk-lib default, no cdk.out)',
        '  ok       EKS version: Kubernetes 1.36 is offered in eu-west-1',
        '  ok       VPCs per region: 1 of 5 in use, the deployment adds 1',
        '  ok       Elastic IPs: the deployment adds none (network.natProvider is instance: NAT instances, no NAT gateways)',
        '  ok       NAT gateways per AZ: the deployment adds none (network.natProvider is instance: NAT instances, no NAT gateways)',
        '  ok       container builder: docker answers',
        'Ready to deploy.',
      ].join('\n'),
    );
    expect(exitCode).toBe(0);
  });

  describe('credentials and region', () => {
    it('blocks without credentials, and skips the checks that need them', async () => {
      sts.on(GetCallerIdentityCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
      const { exitCode, line } = await runPreflight();
      expect(line('AWS credentials')).toBe(
        '  BLOCKER  AWS credentials: no AWS credentials found (Could not load credentials from any providers). Fix: run aws configure, or aws sso login --profile <name> and export AWS_PROFILE=<name>',
      );
      expect(line('CDK bootstrap')).toBe('  skipped  CDK bootstrap: needs AWS credentials and a region');
      expect(cloudFormation.calls()).toHaveLength(0);
      expect(exitCode).toBe(1);
    });

    it('blocks on expired credentials', async () => {
      sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
      const { exitCode, line } = await runPreflight();
      expect(line('AWS credentials')).toMatch(/BLOCKER {2}AWS credentials: AWS rejected the credentials: The security token .* is expired\. Fix: refresh them/);
      expect(exitCode).toBe(1);
    });

    it('blocks when the SDK resolves no region, and says how to set one', async () => {
      const emptyConfig = mkdtempSync(join(tmpdir(), 'preflight-test-aws-'));
      writeFileSync(join(emptyConfig, 'config'), '');
      const saved = { ...process.env };
      delete process.env.AWS_REGION;
      delete process.env.AWS_PROFILE;
      process.env.AWS_CONFIG_FILE = join(emptyConfig, 'config');
      try {
        const { exitCode, line } = await runPreflight([], { sts: new STSClient({}) });
        expect(line('AWS credentials')).toBe(
          '  BLOCKER  AWS credentials: no AWS region configured (cdk would deploy to us-east-1). Fix: export AWS_REGION=<region>, or set one in your profile: aws configure',
        );
        expect(exitCode).toBe(1);
      } finally {
        process.env = saved;
        rmSync(emptyConfig, { recursive: true, force: true });
      }
    });

    it('fails outright on an error that says nothing about the account, rather than report it as a finding', async () => {
      sts.on(GetCallerIdentityCommand).rejects(awsError('TimeoutError', 'socket hang up'));
      await expect(runPreflight()).rejects.toThrow('socket hang up');
    });
  });

  describe('CDK bootstrap stack', () => {
    it('blocks when the account and region are not bootstrapped, with the bootstrap command', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist'));
      const { exitCode, line } = await runPreflight();
      expect(line('CDK bootstrap')).toBe(
        `  BLOCKER  CDK bootstrap: no CDKToolkit stack in ${ACCOUNT}/${REGION}. Fix: run npx cdk bootstrap aws://${ACCOUNT}/${REGION}`,
      );
      expect(exitCode).toBe(1);
    });

    it('looks for the stack named by --toolkit-stack-name, and says to bootstrap under that name', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id PlatformToolkit does not exist'));
      const { line } = await runPreflight(['--toolkit-stack-name', 'PlatformToolkit']);
      expect(cloudFormation.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: 'PlatformToolkit' });
      expect(line('CDK bootstrap')).toContain(`Fix: run npx cdk bootstrap aws://${ACCOUNT}/${REGION} --toolkit-stack-name PlatformToolkit`);
    });

    it('blocks on a bootstrap version older than DefaultStackSynthesizer requires when there is no cdk.out', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [bootstrapStack('UPDATE_COMPLETE', { BootstrapVersion: '5' })] });
      const { exitCode, line } = await runPreflight();
      expect(line('CDK bootstrap')).toBe(
        `  BLOCKER  CDK bootstrap: CDKToolkit is version 5, the app needs 6 or later (aws-cdk-lib default, no cdk.out). Fix: run npx cdk bootstrap aws://${ACCOUNT}/${REGION} to upgrade it`,
      );
      expect(exitCode).toBe(1);
    });

    it('takes the version the synthesized app requires from cdk.out', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [bootstrapStack('UPDATE_COMPLETE', { BootstrapVersion: '21' })] });
      const { exitCode, line } = await runPreflight([], { cdkOut: assembly({ bootstrapVersion: 22, containerImages: true }) });
      expect(line('CDK bootstrap')).toContain('CDKToolkit is version 21, the app needs 22 or later (from cdk.out)');
      expect(exitCode).toBe(1);
    });

    it.each([
      ['ROLLBACK_COMPLETE', `CDKToolkit is ROLLBACK_COMPLETE: its creation failed. Fix: run npx cdk bootstrap aws://${ACCOUNT}/${REGION} (it replaces the failed stack)`],
      ['ROLLBACK_FAILED', `CDKToolkit is ROLLBACK_FAILED: its creation failed. Fix: run npx cdk bootstrap aws://${ACCOUNT}/${REGION} (it replaces the failed stack)`],
      ['UPDATE_IN_PROGRESS', 'CDKToolkit is UPDATE_IN_PROGRESS. Fix: wait until it finishes, then run the preflight again'],
      ['UPDATE_ROLLBACK_FAILED', 'CDKToolkit is UPDATE_ROLLBACK_FAILED. Fix: repair it from its events in the CloudFormation console'],
    ])('blocks on a bootstrap stack that is %s', async (status, expected) => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [bootstrapStack(status)] });
      const { exitCode, line } = await runPreflight();
      expect(line('CDK bootstrap')).toContain(`BLOCKER  CDK bootstrap: ${expected}`);
      expect(exitCode).toBe(1);
    });

    it('accepts a bootstrap stack whose last update rolled back, since the previous version still stands', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [bootstrapStack('UPDATE_ROLLBACK_COMPLETE')] });
      const { exitCode, line } = await runPreflight();
      expect(line('CDK bootstrap')).toMatch(/^ {2}ok {7}CDK bootstrap: CDKToolkit is UPDATE_ROLLBACK_COMPLETE, version 30/);
      expect(exitCode).toBe(0);
    });

    it('blocks on a bootstrap stack without an ECR repository when the app may have container images', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...bootstrapStack(), Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '30' }] }] });
      const { exitCode, line } = await runPreflight();
      expect(line('CDK bootstrap')).toContain('BLOCKER  CDK bootstrap: CDKToolkit has no ECR repository for container image assets');
      expect(exitCode).toBe(1);
    });
  });

  describe('container builder', () => {
    it('blocks when docker is not installed', async () => {
      const { exitCode, line } = await runPreflight([], { run: builderThat({ outcome: 'not-found' }) });
      expect(line('container builder')).toBe(
        '  BLOCKER  container builder: docker not found. Fix: install it, or set CDK_DOCKER to a compatible client you have (e.g. CDK_DOCKER=finch)',
      );
      expect(exitCode).toBe(1);
    });

    it('blocks when the docker daemon does not answer, with its own message and how to start it', async () => {
      const stderr = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n';
      const { exitCode, line } = await runPreflight([], { run: builderThat({ outcome: 'exited', exitCode: 1, stderr }) });
      expect(line('container builder')).toBe(
        '  BLOCKER  container builder: `docker info` failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?. Fix: start Docker Desktop (or the docker service), or set CDK_DOCKER=finch to use Finch',
      );
      expect(exitCode).toBe(1);
    });

    it('blocks when docker info hangs past the timeout', async () => {
      const { exitCode, line } = await runPreflight([], { run: builderThat({ outcome: 'timed-out' }) });
      expect(line('container builder')).toContain('BLOCKER  container builder: `docker info` did not answer within 15 s. Fix: start Docker Desktop');
      expect(exitCode).toBe(1);
    });

    it('checks the builder named by CDK_DOCKER instead of docker', async () => {
      const run = jest.fn(async (command: string) => (command === 'finch' ? ANSWERING : ({ outcome: 'not-found' } as const)));
      const { exitCode, line } = await runPreflight([], { run, env: { CDK_DOCKER: 'finch' } });
      expect(run).toHaveBeenCalledWith('finch', ['info'], 15_000);
      expect(line('container builder')).toBe('  ok       container builder: finch answers');
      expect(exitCode).toBe(0);
    });

    it('says to start the Finch VM when finch does not answer', async () => {
      const stderr = 'FATA[0000] Finch virtual machine is not running\n';
      const { line } = await runPreflight([], { run: builderThat({ outcome: 'exited', exitCode: 1, stderr }), env: { CDK_DOCKER: 'finch' } });
      expect(line('container builder')).toContain('`finch info` failed: FATA[0000] Finch virtual machine is not running. Fix: run `finch vm start`');
    });

    it('only warns about a missing builder when the synthesized app has no container image assets', async () => {
      const cdkOut = assembly({ bootstrapVersion: 6, containerImages: false });
      const { exitCode, line } = await runPreflight([], { run: builderThat({ outcome: 'not-found' }), cdkOut });
      expect(line('container builder')).toBe(
        '  warning  container builder: docker not found (not needed yet: the last synth, in cdk.out, has no container image assets)',
      );
      expect(exitCode).toBe(0);
    });
  });

  describe('EKS version', () => {
    it.each([
      ['not listed', []],
      ['listed as unsupported', [{ clusterVersion: '1.36', versionStatus: 'UNSUPPORTED' as const }]],
    ])('blocks when the configured version is %s in the region', async (_case, clusterVersions) => {
      eks.on(DescribeClusterVersionsCommand).resolves({ clusterVersions });
      const { exitCode, line } = await runPreflight();
      expect(eks.commandCalls(DescribeClusterVersionsCommand)[0].args[0].input).toEqual({ clusterVersions: ['1.36'] });
      expect(line('EKS version')).toBe(
        '  BLOCKER  EKS version: EKS does not offer Kubernetes 1.36 in eu-west-1. Fix: deploy to a region that offers it (AWS_REGION), or move the platform to a version it offers (infra/config/kubernetes.ts)',
      );
      expect(exitCode).toBe(1);
    });

    it('warns that a version in extended support costs more', async () => {
      eks.on(DescribeClusterVersionsCommand).resolves({ clusterVersions: [{ clusterVersion: '1.36', versionStatus: 'EXTENDED_SUPPORT' }] });
      const { exitCode, line } = await runPreflight();
      expect(line('EKS version')).toBe('  warning  EKS version: Kubernetes 1.36 is in extended support in eu-west-1: the control plane costs 6 times as much');
      expect(exitCode).toBe(0);
    });
  });

  describe('quotas', () => {
    it('blocks when the region has no room for another VPC, with the quota increase command', async () => {
      ec2.on(DescribeVpcsCommand).resolves(vpcs(5));
      const { exitCode, line } = await runPreflight();
      expect(line('VPCs per region')).toBe(
        '  BLOCKER  VPCs per region: 5 of 5 in use, the deployment adds 1. Fix: free 1, or ask for more "VPCs per Region": aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE --desired-value 6',
      );
      expect(exitCode).toBe(1);
    });

    it('blocks when there are not enough Elastic IPs left for the NAT gateways', async () => {
      ec2.on(DescribeAddressesCommand).resolves(addresses(5));
      const { exitCode, line } = await runPreflight(WITH_NAT_GATEWAYS);
      expect(line('Elastic IPs')).toContain('BLOCKER  Elastic IPs: 5 of 5 in use, the deployment adds 1 (one per NAT gateway). Fix: free 1');
      expect(line('Elastic IPs')).toContain('--service-code ec2 --quota-code L-0263D0A3 --desired-value 6');
      expect(exitCode).toBe(1);
    });

    it('counts the NAT gateways of a -c natGateways override, as cdk deploy would create them', async () => {
      ec2.on(DescribeAddressesCommand).resolves(addresses(4));
      const { exitCode, line } = await runPreflight([...WITH_NAT_GATEWAYS, '-c', 'natGateways=2']);
      expect(line('Elastic IPs')).toContain('BLOCKER  Elastic IPs: 4 of 5 in use, the deployment adds 2 (one per NAT gateway)');
      expect(exitCode).toBe(1);
    });

    it('blocks when an AZ is full of NAT gateways, counting those still deleting', async () => {
      ec2.on(DescribeNatGatewaysCommand).resolves({
        NatGateways: [...Array(3).fill({ SubnetId: 'subnet-a1' }), ...Array(2).fill({ SubnetId: 'subnet-a2' }), { SubnetId: 'subnet-b1' }],
      });
      ec2.on(DescribeSubnetsCommand).resolves({
        Subnets: [
          { SubnetId: 'subnet-a1', AvailabilityZone: 'eu-west-1a' },
          { SubnetId: 'subnet-a2', AvailabilityZone: 'eu-west-1a' },
          { SubnetId: 'subnet-b1', AvailabilityZone: 'eu-west-1b' },
        ],
      });
      const { exitCode, line } = await runPreflight(WITH_NAT_GATEWAYS);
      expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input.Filter).toEqual([{ Name: 'state', Values: ['pending', 'available', 'deleting'] }]);
      expect(line('NAT gateways per AZ')).toContain(
        'BLOCKER  NAT gateways per AZ: 5 of 5 in eu-west-1a (the busiest AZ), the deployment adds 1 per AZ. Fix: free 1, or ask for more "NAT gateways per Availability Zone"',
      );
      expect(line('NAT gateways per AZ')).toContain('--service-code vpc --quota-code L-FE5A380F');
      expect(exitCode).toBe(1);
    });

    it('asks for no Elastic IP or NAT gateway when the environment uses NAT instances, and reads neither quota', async () => {
      ec2.on(DescribeAddressesCommand).resolves(addresses(5));
      ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: Array(5).fill({ SubnetId: 'subnet-a1' }) });
      ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-a1', AvailabilityZone: 'eu-west-1a' }] });
      const { exitCode, line } = await runPreflight(['-c', 'natProvider=instance']);
      expect(line('Elastic IPs')).toMatch(/ok {7}Elastic IPs: the deployment adds none/);
      expect(line('NAT gateways per AZ')).toMatch(/ok {7}NAT gateways per AZ: the deployment adds none/);
      expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(0);
      expect(ec2.commandCalls(DescribeNatGatewaysCommand)).toHaveLength(0);
      expect(exitCode).toBe(0);
    });

    it('only warns when the quota cannot be read, and does not block', async () => {
      const denied = 'User: arn:aws:sts::123456789012:assumed-role/Deployer/bob is not authorized to perform: servicequotas:GetServiceQuota';
      serviceQuotas.on(GetServiceQuotaCommand, { QuotaCode: QUOTAS.elasticIps.quotaCode }).rejects(awsError('AccessDeniedException', denied));
      const { exitCode, line } = await runPreflight(WITH_NAT_GATEWAYS);
      expect(line('Elastic IPs')).toBe(`  warning  Elastic IPs: not checked: ${denied}`);
      expect(exitCode).toBe(0);
    });

    it('uses the AWS default of a quota that has no applied value', async () => {
      serviceQuotas.on(GetServiceQuotaCommand, { QuotaCode: QUOTAS.vpcs.quotaCode }).rejects(awsError('NoSuchResourceException', 'The request failed because the specified quota does not exist'));
      serviceQuotas.on(GetAWSDefaultServiceQuotaCommand, { QuotaCode: QUOTAS.vpcs.quotaCode }).resolves({ Quota: { Value: 1 } });
      const { exitCode, line } = await runPreflight();
      expect(line('VPCs per region')).toContain('BLOCKER  VPCs per region: 1 of 1 in use');
      expect(exitCode).toBe(1);
    });
  });

  describe('environment and arguments', () => {
    it('selects the environment with -c env=<name>, as cdk does', async () => {
      const { output, line } = await runPreflight(['-c', 'env=prod']);
      expect(output).toContain('Preflight of environment "prod"');
      expect(line('Elastic IPs')).toContain('the deployment adds 3');
    });

    it('exits 2 on an unknown --env, naming the key and the allowed values, before calling AWS', async () => {
      const { exitCode, errors, output } = await runPreflight(['--env', 'no-such-env']);
      expect(errors).toBe(`Unknown value "no-such-env" for context key "env". Allowed values: ${ALLOWED_ENVIRONMENTS}.`);
      expect(output).toBe('');
      expect(sts.calls()).toHaveLength(0);
      expect(exitCode).toBe(2);
    });

    it('exits 2 on an invalid -c override, naming the key it came from', async () => {
      const { exitCode, errors } = await runPreflight(['-c', 'natGateways=5']);
      expect(errors).toContain('network.natGateways (from -c natGateways): must be from 1 to 2');
      expect(exitCode).toBe(2);
    });

    it('exits 2 on a mistyped -c key, suggesting the key it was meant as, before calling AWS', async () => {
      const { exitCode, errors } = await runPreflight(['-c', 'natGateway=2']);
      expect(errors).toBe('unknown context key "natGateway"; did you mean "natGateways"?');
      expect(sts.calls()).toHaveLength(0);
      expect(exitCode).toBe(2);
    });

    it('exits 2 on a -c that is not key=value', async () => {
      const { exitCode, errors } = await runPreflight(['-c', 'natGateways']);
      expect(errors).toContain('-c natGateways: expected <key>=<value>');
      expect(errors).toContain('usage: npm run preflight');
      expect(exitCode).toBe(2);
    });

    it('exits 2 on an unknown option', async () => {
      const { exitCode, errors } = await runPreflight(['--region', 'us-east-1']);
      expect(errors).toContain("Unknown option '--region'");
      expect(exitCode).toBe(2);
    });
  });
});
