import { Match } from 'aws-cdk-lib/assertions';
import { platformOf } from './platform-fixture';

/** The sample upload function (infra/constructs/image-resizer-function.ts), as the functions stack creates it. */
describe('image-resizer (functions stack)', () => {
  const sandbox = platformOf('sandbox').template('functions');

  it('triggers the image-resizer on objects created under uploads/ only', () => {
    sandbox.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } } },
        ],
      },
    });
  });

  it('lets the image-resizer read uploads/ and write thumbnails/, nothing else in the bucket', () => {
    const statements = JSON.stringify(
      Object.values(sandbox.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ImageResizerRole') }] } })),
    );
    expect(statements).toContain('/uploads/*');
    expect(statements).toContain('/thumbnails/*');
    expect(statements).not.toMatch(/"s3:\*"|"s3:Delete/);
  });

  it('retries a failed resize twice, then parks the event in an encrypted DLQ', () => {
    sandbox.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImageResizerDeadLetters'), 'Arn'] } } },
    });
  });
});
