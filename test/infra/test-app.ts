import { App, type AppProps } from 'aws-cdk-lib';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An App for tests: aws-cdk-lib's built-in CloudFormation validation is off. Its rule engine takes
 * seconds to start in every test file that synthesizes (four times the run time of the infra tests),
 * and its findings do not depend on what a test checks. The run's shared synthesis of the environments
 * runs it once (support/shared-assemblies.ts), and cloudformation-validation.test.ts fails on any finding.
 *
 * Its cloud assembly goes into the run's scratch folder (test/support/global-setup.ts), which the
 * run deletes, not into a temporary folder of its own that nobody would.
 */
export function testApp(props: AppProps = {}): App {
  const scratch = process.env.TEST_SCRATCH_DIR;
  return new App({ builtinCloudFormationValidation: false, outdir: scratch && mkdtempSync(join(scratch, 'cdk.out-')), ...props });
}
