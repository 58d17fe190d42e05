import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SERVICE_REGISTRY, type CoreServiceDefinition } from '../../infra/config/core-services';
import { EVENT_FUNCTIONS, type EventFunctionDefinition } from '../../infra/config/event-functions';
import { loadEnvironmentConfig } from '../../infra/config/load-config';
import { pascalCase, PROJECT } from '../../infra/config/naming';
import { UPLOAD_FUNCTION_NAMES } from '../../infra/config/upload-functions';
import { FirstDeployChecks } from '../../infra/nag/first-deploy-checks';
import { GitHubDeployRoleStack } from '../../infra/stacks/github-deploy-role-stack';
import { buildPlatform, ENVIRONMENT_NAMES } from './platform-fixture';
import { quietly } from './quietly';
import { testApp } from './test-app';
import { readValidationReport, type ValidationReport } from './validation-report';

/**
 * Synthesizes an app with the AWS Solutions rules and the platform's own, as infra/main.ts does.
 * cdk-nag reports findings as error annotations, which make synthesis throw; what remains is read
 * from the validation report.
 */
function synthWithNag(app: App): ValidationReport {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FirstDeployChecks(app));
  return readValidationReport(app.synth().directory);
}

/**
 * Every acknowledgement our code made with Validations.of(scope).acknowledge, with where and why.
 * (aws-cdk-lib acknowledges a few CloudFormation-Validate findings inside its own constructs; those
 * are not made through the public call and are not counted.)
 */
function acknowledgementsIn(app: App) {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules' && entry.trace?.[0]?.includes('Validations.acknowledge'))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

/** An exact finding id of one of the packs: AwsSolutions, the platform's own (named after the project), CloudFormation's. */
const ACKNOWLEDGEABLE_ID = new RegExp(`^(Annotation::AwsSolutions-[A-Z]+\\d+(\\[.+\\])?|Annotation::${pascalCase(PROJECT)}-[A-Za-z]+(\\[.+\\])?|CloudFormation-Validate::W\\d+)$`);

/** How the README states the count: only the platform's own, which no registry entry changes. */
const README_COUNT = /cdk-nag acknowledgements of the platform itself: (\d+) in sandbox, (\d+) in prod/;

const readmeCount = (env: string) => {
  const match = README_COUNT.exec(readFileSync(join(__dirname, '../../README.md'), 'utf8'));
  if (!match) throw new Error('README.md must state "cdk-nag acknowledgements of the platform itself: N in sandbox, M in prod"');
  return Number(env === 'sandbox' ? match[1] : match[2]);
};

/**
 * The ids (first under the stack) of the constructs that exist for one registry entry: a core
 * service's Pod Identity, a function's own resources (named after it), each entry's chaos
 * experiments; the uploads bucket's (its access-log bucket, S3's notifications handler), which
 * exist only while an entry needs the bucket; and the FIS configurations bucket, only while a
 * function declares invocation errors.
 */
function ownedByRegistryEntries(): (id: string) => boolean {
  const services = Object.entries<CoreServiceDefinition>(CORE_SERVICE_REGISTRY);
  const functions = Object.entries<EventFunctionDefinition>(EVENT_FUNCTIONS);
  const exact = new Set([
    ...services.flatMap(([name, definition]) => [`${name}PodIdentity`, ...Object.keys(definition.podDeletions ?? {})]),
    ...functions.flatMap(([, definition]) => Object.keys(definition.invocationErrors ?? {})),
    'AccessLogs',
    'FaultConfigurations',
  ]);
  const prefixes = [...functions.map(([name]) => name), ...UPLOAD_FUNCTION_NAMES].map((name) => new RegExp(`^${pascalCase(name)}[A-Z]`));
  return (id) => exact.has(id) || id.startsWith('BucketNotificationsHandler') || prefixes.some((prefix) => prefix.test(id));
}

describe.each(ENVIRONMENT_NAMES)('AWS Solutions and first-deploy checks over the %s app', (env) => {
  const { app } = buildPlatform(env);
  const report = synthWithNag(app);
  const acknowledgements = acknowledgementsIn(app);

  it('leaves no finding unacknowledged', () => {
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('acknowledges exact finding ids, each with a specific reason', () => {
    for (const { path, id, reason } of acknowledgements) {
      expect([path, id]).toEqual([path, expect.stringMatching(ACKNOWLEDGEABLE_ID)]);
      expect([id, reason.length >= 40]).toEqual([id, true]);
    }
  });

  it('makes each acknowledgement once', () => {
    const keys = acknowledgements.map(({ path, id }) => `${path} ${id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("keeps the README count of the platform's own acknowledgements true, whatever the registries hold", () => {
    const owned = ownedByRegistryEntries();
    const platformOwn = acknowledgements.filter(({ path }) => !owned(path.split('/')[1]));
    expect(platformOwn).toHaveLength(readmeCount(env));
  });
});

// Not part of the shipped environments (it exists only with -c githubRepository): checked on its own,
// with the provider created and imported.
describe.each([
  ['creates', {}],
  ['imports', { githubOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' }],
])('AWS Solutions and first-deploy checks over the GitHub deploy-role stack that %s the OIDC provider', (_case, context: Record<string, string>) => {
  const config = loadEnvironmentConfig((key) => ({ githubRepository: 'octo-org/hybrid-platform', ...context })[key]);
  const app = testApp();
  new GitHubDeployRoleStack(app, 'GitHubDeploy', { config, github: config.github! });
  const report = synthWithNag(app);

  it('leaves no finding, and acknowledges none', () => {
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    expect(acknowledgementsIn(app)).toEqual([]);
  });
});

describe('the AWS Solutions gate itself', () => {

  const appWithInsecureBucket = () => {
    const app = testApp();
    const stack = new Stack(app, 'Fixture');
    const bucket = new s3.Bucket(stack, 'InsecureBucket', { enforceSSL: false });
    return { app, bucket };
  };

  it('fails synthesis on an unacknowledged finding', () => {
    const { app } = appWithInsecureBucket();
    expect(() => quietly(() => synthWithNag(app))).toThrow(/AwsSolutions-S10'/);
  });

  it('does not let an acknowledgement of one finding hide another', () => {
    const { app, bucket } = appWithInsecureBucket();
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'Access logs are not needed for this fixture bucket at all.' });
    const failure = (() => {
      try {
        quietly(() => synthWithNag(app));
      } catch (error) {
        return String(error);
      }
      throw new Error('expected synthesis to fail');
    })();
    expect(failure).toMatch(/AwsSolutions-S10'/);
    expect(failure).not.toMatch(/AwsSolutions-S1'/);
  });
});
