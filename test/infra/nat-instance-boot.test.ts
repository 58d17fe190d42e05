import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformOf } from './platform-fixture';

/**
 * The sandbox NAT instance's boot script, run for real by bash with the commands it calls (curl to the
 * instance metadata, dnf, systemctl, sysctl, iptables, ip, aws) replaced by stubs that log their
 * arguments: it must report SUCCESS to CloudFormation only once forwarding is set up, and FAILURE on
 * any error, the install retried first. Writes under /etc go to a temporary root.
 */

const network = platformOf('sandbox').template('network');
const [[logicalId, instance]] = Object.entries(network.findResources('AWS::EC2::Instance'));
const SUBNET_ID = 'subnet-0123';
const INSTANCE_ID = 'i-0abc';

/** The script as EC2 receives it: Refs resolved to this test's values. */
function bootScript(): string {
  const parts = instance.Properties.UserData['Fn::Base64']['Fn::Join'][1] as (string | { Ref: string })[];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part.Ref === 'AWS::Region') return 'eu-west-1';
      if (part.Ref.startsWith('VpcPublicSubnet1Subnet')) return SUBNET_ID;
      throw new Error(`unexpected Ref ${part.Ref}`);
    })
    .join('');
}

interface Boot {
  readonly exitCode: number | null;
  readonly calls: string[];
  readonly root: string;
}

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** Runs the script; `failing` names stubs that fail (`dnf:2` fails twice, then succeeds). */
function boot(failing: Record<string, number> = {}): Boot {
  const root = mkdtempSync(join(tmpdir(), 'nat-boot-'));
  roots.push(root);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  mkdirSync(join(root, 'etc/sysctl.d'), { recursive: true });
  mkdirSync(join(root, 'etc/sysconfig'), { recursive: true });
  const log = join(root, 'calls.log');
  const stub = (name: string, output = '') => {
    const failures = failing[name] ?? 0;
    const counter = join(root, `${name}.count`);
    writeFileSync(
      join(bin, name),
      [
        '#!/bin/bash',
        `echo "${name} $*" >> ${log}`,
        `n=$(($(cat ${counter} 2>/dev/null || echo 0) + 1)); echo $n > ${counter}`,
        `[ "$n" -le ${failures} ] && exit 1`,
        output,
        'exit 0',
      ].join('\n'),
    );
    chmodSync(join(bin, name), 0o755);
  };
  stub('curl', `case "$*" in *api/token*) echo token;; *instance-id*) echo ${INSTANCE_ID};; *meta-data/mac\\)*|*meta-data/mac) echo 0a:1b;; *subnet-id*) echo ${SUBNET_ID};; esac`);
  stub('ip', 'echo "default via 10.0.0.1 dev ens5 proto dhcp"');
  for (const name of ['dnf', 'systemctl', 'sysctl', 'iptables', 'iptables-save', 'aws', 'sleep']) stub(name);
  const script = join(root, 'boot.sh');
  writeFileSync(script, bootScript().replaceAll('/etc/', `${root}/etc/`));
  const result = spawnSync('bash', [script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  const calls = readFileSync(log, 'utf8').trim().split('\n');
  return { exitCode: result.status, calls, root };
}

const reports = (calls: string[]) => calls.filter((call) => call.startsWith('aws cloudformation signal-resource'));

describe('the sandbox NAT instance boot script', () => {
  it('makes CloudFormation wait up to 15 minutes for its report, and may send it for this stack only', () => {
    expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT15M' } });
    const policies = Object.values(network.findResources('AWS::IAM::Policy')).map((policy) => policy.Properties.PolicyDocument.Statement);
    expect(policies).toContainEqual([{ Action: 'cloudformation:SignalResource', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } }]);
  });

  it('masquerades what the private subnets send out of its default interface, forwards, keeps the rules, and then reports SUCCESS as its own logical id', () => {
    const { exitCode, calls, root } = boot();
    expect(exitCode).toBe(0);
    expect(calls).toContain('iptables -t nat -A POSTROUTING -o ens5 -j MASQUERADE');
    expect(calls).toContain('systemctl enable --now iptables');
    expect(readFileSync(join(root, 'etc/sysctl.d/90-nat.conf'), 'utf8')).toBe('net.ipv4.ip_forward=1\n');
    expect(reports(calls)).toEqual([expect.stringMatching(new RegExp(`--logical-resource-id ${logicalId} --unique-id ${INSTANCE_ID} --status SUCCESS$`))]);
    expect(calls.at(-1)).toBe(reports(calls)[0]);
  });

  it('retries the package install while dnf fails, then goes on', () => {
    const { exitCode, calls } = boot({ dnf: 2 });
    expect(exitCode).toBe(0);
    expect(calls.filter((call) => call.startsWith('dnf '))).toHaveLength(3);
    expect(reports(calls)).toEqual([expect.stringMatching(/--status SUCCESS$/)]);
  });

  it('reports FAILURE, and sets up nothing, when the install fails for five minutes', () => {
    const { exitCode, calls } = boot({ dnf: 99 });
    expect(exitCode).not.toBe(0);
    expect(calls.filter((call) => call.startsWith('dnf '))).toHaveLength(30);
    expect(calls.some((call) => call.startsWith('iptables '))).toBe(false);
    expect(reports(calls)).toEqual([expect.stringMatching(/--status FAILURE$/)]);
  });

  it('reports FAILURE when a later step fails, never SUCCESS', () => {
    const { exitCode, calls } = boot({ iptables: 1 });
    expect(exitCode).not.toBe(0);
    expect(reports(calls)).toEqual([expect.stringMatching(/--status FAILURE$/)]);
  });
});
