import { ConfigError } from '../infra/config/load-config';
import { exitOnUserError } from './cli-args';
import { runCost } from './cost-command';

// `npm run cost` (what it does and takes: ./cost-command.ts). Exits 2 on bad arguments, with the allowed values.
runCost(process.argv.slice(2)).then(
  (output) => process.stdout.write(output),
  (error: unknown) => exitOnUserError(error, [ConfigError]),
);
