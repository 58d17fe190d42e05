import { buildPlatform, ENVIRONMENT_NAMES } from './platform-fixture';
import { quietly } from './quietly';
import { assemblyDirOf, SHARED_APP_PROPS, sharedAssembliesRoot } from './support/shared-assemblies';
import { addInvalidQueue, VALIDATION_FIXTURE } from './support/validation-fixture';
import { testApp } from './test-app';
import { readValidationReport } from './validation-report';

/**
 * aws-cdk-lib's built-in CloudFormation validation (property types and values, required properties,
 * references; the rules of cfn-lint) runs in every `cdk synth` and `cdk deploy`, and turns its
 * errors into warnings. The tests' own apps switch it off (test-app.ts); the run's shared synthesis
 * (support/synthesize-environments.ts) keeps it on, as `cdk synth` does, and here any finding in an
 * environment fails. Without a shared synthesis (a file run on its own), the assemblies are made here.
 */
const CLOUDFORMATION_VALIDATE = 'CloudFormation Validate';

/** The validated cloud assembly of an environment, or of the fixture: the run's shared one, or one made here. */
function validatedAssembly(name: (typeof ENVIRONMENT_NAMES)[number] | typeof VALIDATION_FIXTURE): string {
  const root = sharedAssembliesRoot();
  if (root) return assemblyDirOf(root, name);
  if (name !== VALIDATION_FIXTURE) return quietly(() => buildPlatform(name, {}, undefined, SHARED_APP_PROPS).app.synth()).directory;
  const app = testApp(SHARED_APP_PROPS);
  addInvalidQueue(app);
  return quietly(() => app.synth()).directory;
}

function findingsIn(assemblyDir: string): string[] {
  return readValidationReport(assemblyDir)
    .pluginReports.filter((plugin) => plugin.pluginName === CLOUDFORMATION_VALIDATE)
    .flatMap((plugin) => plugin.violations)
    .map(({ ruleName, description }) => `${ruleName}: ${description}`);
}

describe("aws-cdk-lib's CloudFormation validation", () => {
  it.each(ENVIRONMENT_NAMES)('finds nothing in the %s templates', (env) => {
    expect(findingsIn(validatedAssembly(env))).toEqual([]);
  });

  it('reports a property of the wrong type, so the test above can fail', () => {
    expect(findingsIn(validatedAssembly(VALIDATION_FIXTURE))).toEqual([expect.stringContaining('VisibilityTimeout')]);
  });
});
