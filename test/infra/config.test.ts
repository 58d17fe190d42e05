import { ConfigError, loadEnvironmentConfig } from '../../infra/config/load-config';
import { ENVIRONMENTS } from '../../infra/config/environments';

const load = (context: Record<string, unknown>) => () => loadEnvironmentConfig((key) => context[key]);

describe('environment configuration', () => {
  it('defaults to the sandbox environment', () => {
    expect(load({})().name).toBe('sandbox');
  });

  it.each(Object.keys(ENVIRONMENTS))('accepts the shipped %s environment as it is', (env) => {
    expect(load({ env })()).toMatchObject({ name: env });
  });

  it('rejects an unknown environment, naming the key and the allowed values', () => {
    expect(load({ env: 'staging' })).toThrow(new ConfigError('Unknown value "staging" for context key "env". Allowed values: sandbox, prod.'));
  });

  it('rejects a malformed CIDR block', () => {
    expect(load({ vpcCidr: '10.0.0.0/33' })).toThrow(/network\.cidr \(from -c vpcCidr\): must be an IPv4 CIDR block with a prefix from \/16 to \/22/);
    expect(load({ vpcCidr: '300.0.0.0/16' })).toThrow(ConfigError);
    expect(load({ vpcCidr: '10.0.0.0/26' })).toThrow(ConfigError);
  });

  it('rejects a NAT gateway count outside 1 to the number of AZs', () => {
    expect(load({ natGateways: '0' })).toThrow(/network\.natGateways \(from -c natGateways\): must be from 1 to 2 \(network\.maxAzs\)/);
    expect(load({ natGateways: '3' })).toThrow(/must be from 1 to 2/);
    expect(load({ env: 'prod', natGateways: '4' })).toThrow(/must be from 1 to 3/);
    expect(load({ natGateways: 'many' })).toThrow(/network\.natGateways \(from -c natGateways\): must be a whole number/);
  });

  it('accepts a NAT gateway count given as a context string', () => {
    expect(load({ natGateways: '2' })().network.natGateways).toBe(2);
  });

  it('rejects an unsupported Kubernetes version, listing the supported ones', () => {
    expect(load({ kubernetesVersion: '1.29' })).toThrow(/cluster\.kubernetesVersion \(from -c kubernetesVersion\): must be one of 1\.36/);
  });

  it('rejects a budget e-mail that is not an address, or missing', () => {
    expect(load({ budgetEmail: 'finance-team' })).toThrow(/budget\.alertEmail \(from -c budgetEmail\): must be an e-mail address/);
    expect(load({ budgetEmail: '' })).toThrow(/budget\.alertEmail/);
  });

  it('rejects an admin role that is not an IAM role ARN', () => {
    expect(load({ adminRoleArn: 'arn:aws:iam::123456789012:user/alice' })).toThrow(/cluster\.adminRoleArn \(from -c adminRoleArn\): must be an IAM role ARN/);
  });

  it('rejects an API certificate that is not an ACM certificate ARN', () => {
    expect(load({ apiCertificateArn: 'arn:aws:iam::123456789012:server-certificate/api' })).toThrow(
      /cluster\.apiCertificateArn \(from -c apiCertificateArn\): must be an ACM certificate ARN/,
    );
  });

  it('accepts an ACM certificate ARN for the API', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(load({ apiCertificateArn: arn })().cluster.apiCertificateArn).toBe(arn);
  });

  it('accepts an admin role ARN', () => {
    const arn = 'arn:aws:iam::123456789012:role/PlatformAdmin';
    expect(load({ adminRoleArn: arn })().cluster.adminRoleArn).toBe(arn);
  });

  it('reports every bad key at once', () => {
    const error = (() => {
      try {
        load({ vpcCidr: 'nope', budgetEmail: 'nope' })();
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toMatch(/network\.cidr/);
    expect(error.message).toMatch(/budget\.alertEmail/);
  });
});
