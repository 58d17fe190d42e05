import { type App, CfnResource, Stack } from 'aws-cdk-lib';

/** The fixture's cloud assembly in the shared directory (./shared-assemblies.ts). */
export const VALIDATION_FIXTURE = 'validation-fixture';

/**
 * A queue whose VisibilityTimeout is words, not seconds: what CloudFormation's validation must report,
 * so that the test finding nothing in the environments (../cloudformation-validation.test.ts) can fail.
 */
export function addInvalidQueue(app: App): void {
  new CfnResource(new Stack(app, 'Fixture'), 'Queue', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: 'a minute' } });
}
