import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfigFromContext } from './config/load-config';
import { FirstDeployChecks } from './nag/first-deploy-checks';
import { createPlatform } from './platform';

// The CDK app: `cdk synth` / `cdk deploy --all -c env=<sandbox|prod>`.
const app = new App();

let config;
try {
  // All of it, not key by key: a key that is neither ours nor CDK's (a typo) is refused.
  config = loadConfigFromContext(app.node.getAllContext());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A config error is the user's to fix: print it plainly, without a stack trace, before any synthesis.
  console.error(error.message);
  process.exit(1);
}

createPlatform(app, config);
// Every synth runs the AWS Solutions rules and the platform's own; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FirstDeployChecks(app));
app.synth();
