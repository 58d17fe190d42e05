import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { bundledCode, esbuildOptionsOf, FUNCTION_BUNDLING } from '../../../infra/constructs/function-bundling';
import { inStack } from './construct-stack';
import { stagedAssetOf } from './template-queries';

/** A handler that Lambda would call as index.handler, with a local name that minification renames. */
const HANDLER = "export const handler = async (event: { name: string }) => {\n  const greetingForTheCaller = 'hello ' + event.name;\n  return greetingForTheCaller;\n};\n";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A handler's folder (what the asset is made from): handler.ts, and whatever else it holds. */
function handlerFolder(otherFiles: Record<string, string> = {}): string {
  const folder = mkdtempSync(join(tmpdir(), 'bundled-code-'));
  folders.push(folder);
  for (const [name, text] of Object.entries({ 'handler.ts': HANDLER, ...otherFiles })) writeFileSync(join(folder, name), text);
  return folder;
}

/**
 * Synthesizes a function whose code is bundledCode(<folder>/handler.ts), bundled for real: esbuild in
 * process, then the hooks' commands (no Docker, no network; a few milliseconds for this handler).
 * Only the tests of what happens during bundling do this; the rest read the options.
 *
 * @returns the asset's folder
 */
function bundle(folder: string, bundling: BundlingOptions = FUNCTION_BUNDLING): string {
  // Should the local bundling decline, aws-cdk-lib would bundle in Docker: here any docker command fails
  // instead (CDK_DOCKER names the program it runs), on a machine with Docker or without.
  const docker = process.env.CDK_DOCKER;
  process.env.CDK_DOCKER = 'false';
  try {
    const { built } = inStack(
      (stack) => new lambda.Function(stack, 'Function', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: bundledCode(join(folder, 'handler.ts'), bundling) }),
      { 'aws:cdk:bundling-stacks': ['**'] },
    );
    return stagedAssetOf(built).absoluteStagedPath;
  } finally {
    if (docker === undefined) delete process.env.CDK_DOCKER;
    else process.env.CDK_DOCKER = docker;
  }
}

/** Command hooks that run `commands` after bundling (NodejsFunction's type wants all three). */
function afterBundling(commands: (inputDir: string, outputDir: string) => string[]): BundlingOptions['commandHooks'] {
  return { beforeBundling: () => [], beforeInstall: () => [], afterBundling: commands };
}

describe('function bundling', () => {
  describe('esbuild options of a bundling (esbuildOptionsOf)', () => {
    it('turns the house options (FUNCTION_BUNDLING) into esbuild flags: one minified CommonJS bundle with a source map, for Node.js 24, the AWS SDK v3 left to the runtime, which ships it', () => {
      expect(esbuildOptionsOf(FUNCTION_BUNDLING)).toEqual({
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'cjs',
        minify: true,
        sourcemap: true,
        external: ['@aws-sdk/*'],
      });
    });

    it('refuses modules to install beside the bundle, which nothing would install: the function would fail at its first import', () => {
      expect(() => esbuildOptionsOf({ externalModules: ['@aws-sdk/*'], nodeModules: ['sharp'] })).toThrow('esbuildOptionsOf: no esbuild translation for nodeModules');
    });

    it('leaves nothing out when no module is named', () => {
      expect(esbuildOptionsOf({}).external).toEqual([]);
    });

    it('refuses options it has no esbuild flag for, naming them, rather than dropping them', () => {
      expect(() => esbuildOptionsOf({ ...FUNCTION_BUNDLING, banner: '/* x */', keepNames: true })).toThrow(
        'esbuildOptionsOf: no esbuild translation for banner, keepNames',
      );
    });

    it('accepts command hooks, which run around esbuild, not in it', () => {
      const hooks = afterBundling(() => ['true']);
      expect(esbuildOptionsOf({ ...FUNCTION_BUNDLING, commandHooks: hooks })).toEqual(esbuildOptionsOf(FUNCTION_BUNDLING));
    });
  });

  describe("a function's code (bundledCode), bundled for real", () => {
    it('is the bundle index.js, exporting the handler that index.handler names, and its source map, nothing else', () => {
      const asset = bundle(handlerFolder({ 'README.md': '# not shipped\n' }));
      expect(readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
      // Run as Lambda would: CommonJS, `handler` exported; minified, so the local name is gone.
      const bundled = join(asset, 'index.js');
      expect(readFileSync(bundled, 'utf8')).not.toContain('greetingForTheCaller');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is CommonJS, loaded as Lambda loads it
      return expect(require(bundled).handler({ name: 'Lambda' })).resolves.toBe('hello Lambda');
    });

    it("runs the after-bundling commands in a shell, given the handler's folder and the output folder", () => {
      const folder = handlerFolder({ 'extra.json': '{"copied":true}' });
      const asset = bundle(folder, { ...FUNCTION_BUNDLING, commandHooks: afterBundling((inputDir, outputDir) => [`cp "${inputDir}/extra.json" "${outputDir}/"`]) });
      expect(readFileSync(join(asset, 'extra.json'), 'utf8')).toBe('{"copied":true}');
    });

    it('fails the synthesis when a command fails, naming the handler, the command and its exit status', () => {
      const folder = handlerFolder();
      expect(() => bundle(folder, { ...FUNCTION_BUNDLING, commandHooks: afterBundling(() => ['exit 3']) })).toThrow(
        `bundling ${join(folder, 'handler.ts')}: "exit 3" failed (exit 3)`,
      );
    });

    it('is the same asset while the bundle is the same, whatever else changes in the folder, so it is not uploaded again', () => {
      const folder = handlerFolder();
      const before = bundle(folder);
      writeFileSync(join(folder, 'NOTES.md'), 'not part of the bundle\n');
      expect(basename(bundle(folder))).toBe(basename(before));
    });
  });
});
