import { type App, CfnResource, Stack } from 'aws-cdk-lib';
import { buildPlatform, ENVIRONMENT_NAMES } from './platform-fixture';
import { quietly } from './quietly';
import { testApp } from './test-app';
import { readValidationReport } from './validation-report';

/**
 * aws-cdk-lib's built-in CloudFormation validation (property types and values, required properties,
 * references; the rules of cfn-lint) runs in every `cdk synth` and `cdk deploy`, and turns its
 * errors into warnings. The other tests switch it off (test-app.ts); here it runs over each
 * environment as `cdk synth` writes it, and any finding fails.
 */
const CLOUDFORMATION_VALIDATE = 'CloudFormation Validate';

function findingsOf(app: App): string[] {
  const report = readValidationReport(quietly(() => app.synth()).directory);
  return report.pluginReports
    .filter((plugin) => plugin.pluginName === CLOUDFORMATION_VALIDATE)
    .flatMap((plugin) => plugin.violations)
    .map(({ ruleName, description }) => `${ruleName}: ${description}`);
}

describe("aws-cdk-lib's CloudFormation validation", () => {
  it.each(ENVIRONMENT_NAMES)('finds nothing in the %s templates', (env) => {
    const { app } = buildPlatform(env, {}, undefined, { builtinCloudFormationValidation: true });
    expect(findingsOf(app)).toEqual([]);
  });

  it('reports a property of the wrong type, so the test above can fail', () => {
    const app = testApp({ builtinCloudFormationValidation: true });
    new CfnResource(new Stack(app, 'Fixture'), 'Queue', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: 'a minute' } });
    expect(findingsOf(app)).toEqual([expect.stringContaining('VisibilityTimeout')]);
  });
});
