import { App, Validations } from 'aws-cdk-lib';
import { ConfigError, loadConfigFromContext } from './config/load-config';
import type { EnvironmentConfig } from './config/environment-config';
import { exitOnUserError } from '../scripts/cli-args';

// The CDK app: `cdk synth` / `cdk deploy --all -c env=<sandbox|prod>`.
const app = new App();

let config: EnvironmentConfig;
try {
  // All of it, not key by key: a key that is neither ours nor CDK's (a typo) is refused.
  config = loadConfigFromContext(app.node.getAllContext());
} catch (error) {
  // A config error is the user's to fix: printed plainly, without a stack trace, before any synthesis.
  exitOnUserError(error, [ConfigError]);
}

/** The stacks and the rule packs are loaded only for a valid config: a typo is reported in a fraction of the time.
 * (import() names a module by the file it compiles to, .js; tsx loads the .ts.) */
async function synthesize(): Promise<void> {
  const [{ AwsSolutionsChecks }, { FirstDeployChecks }, { createPlatform }] = await Promise.all([
    import('cdk-nag'),
    import('./nag/first-deploy-checks.js'),
    import('./platform.js'),
  ]);
  createPlatform(app, config);
  // Every synth runs the AWS Solutions rules and the platform's own; an unacknowledged finding fails it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FirstDeployChecks(app));
  app.synth();
}

void synthesize();
