import { buildSync } from 'esbuild';
import { parseArgs } from 'node:util';

/**
 * Bundles one core service into a single minified JS file (what its container image runs):
 *   tsx scripts/bundle-service.ts --service catalog --out dist/services/catalog
 * `pg-native` is an optional peer of `pg` that we do not use.
 */
export function bundleService(service: string, outdir: string): string {
  return bundleServer(`services/${service}/main.ts`, outdir);
}

/** Any server entry point bundled as a service is: bench/services.ts bundles its bare baseline with it. */
export function bundleServer(entryPoint: string, outdir: string): string {
  const outfile = `${outdir}/main.js`;
  buildSync({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['pg-native'],
    logLevel: 'error',
  });
  return outfile;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { service: { type: 'string' }, out: { type: 'string' } } });
  if (!values.service || !values.out) {
    console.error('usage: tsx scripts/bundle-service.ts --service <catalog|orders> --out <dir>');
    process.exit(2);
  }
  console.log(bundleService(values.service, values.out));
}
