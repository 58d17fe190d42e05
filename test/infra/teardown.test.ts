import { ENVIRONMENT_NAMES, platformOf, STACK_CONCERNS } from './platform-fixture';

/** What `cdk destroy --all` leaves behind is decided in the templates; these are the rules. */
describe.each(ENVIRONMENT_NAMES)('teardown of the %s environment', (env) => {
  const { stack, template } = platformOf(env);
  const destroyable = env === 'sandbox';
  const retention = destroyable ? 7 : 90;

  it.each(STACK_CONCERNS)("logs every function of the %s stack, CDK's own handlers included, to a group of that stack with the environment's retention", (concern) => {
    const stack = template(concern);
    const logGroups = stack.findResources('AWS::Logs::LogGroup');
    for (const [id, fn] of Object.entries(stack.findResources('AWS::Lambda::Function'))) {
      const groupId = fn.Properties.LoggingConfig?.LogGroup?.Ref as string | undefined;
      expect([id, groupId !== undefined && logGroups[groupId]]).toEqual([
        id,
        expect.objectContaining({ Properties: expect.objectContaining({ RetentionInDays: retention }), DeletionPolicy: destroyable ? 'Delete' : 'Retain' }),
      ]);
    }
    // No group named after a function: CloudFormation would create it after the function and delete it before.
    expect(JSON.stringify(logGroups)).not.toContain('/aws/lambda/');
  });

  it(destroyable ? 'lets cdk destroy delete every stack' : 'protects every stack from a stray cdk destroy', () => {
    for (const concern of STACK_CONCERNS) expect([concern, stack(concern).terminationProtection]).toEqual([concern, !destroyable]);
  });

  it.each(STACK_CONCERNS)('gives every KMS key of the %s stack the pending window of the environment', (concern) => {
    for (const key of Object.values(template(concern).findResources('AWS::KMS::Key'))) {
      expect(key).toMatchObject({ Properties: { PendingWindowInDays: destroyable ? 7 : 30 }, DeletionPolicy: destroyable ? 'Delete' : 'Retain' });
    }
  });
});
