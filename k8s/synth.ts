import { ConfigError } from '../infra/config/load-config';
import { exitOnUserError } from '../scripts/cli-args';
import { synthK8s } from './synth-command';
import { ValuesError } from './values';

// `npm run synth:k8s` (what it does and takes: ./synth-command.ts). Exits 2 on bad arguments, 1 on bad
// configuration or values, with the message alone; either way before writing anything.
try {
  synthK8s(process.argv.slice(2));
} catch (error) {
  exitOnUserError(error, [ConfigError, ValuesError]);
}
