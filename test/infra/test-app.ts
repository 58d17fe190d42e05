import { App, type AppProps } from 'aws-cdk-lib';

/**
 * An App for tests: aws-cdk-lib's built-in CloudFormation validation is off. Its rule engine takes
 * seconds to start in every test file that synthesizes (four times the run time of the infra tests),
 * and its findings do not depend on what a test checks. cloudformation-validation.test.ts runs it,
 * once per environment, on the templates `cdk synth` writes, and fails on any finding.
 */
export function testApp(props: AppProps = {}): App {
  return new App({ builtinCloudFormationValidation: false, ...props });
}
