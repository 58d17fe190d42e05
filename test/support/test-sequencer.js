const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

/** The test files that read the cloud assemblies of the run's shared synthesis, by what they call. */
const READS_SHARED_ASSEMBLIES = /\b(platformOf|sharedAssembliesRoot)\(/;

/** @param {string} file */
const readsSharedAssemblies = (file) => READS_SHARED_ASSEMBLIES.test(readFileSync(file, 'utf8'));

/**
 * Jest's order (failed first, then slowest first, or largest first on a first run), except that the
 * test files reading the shared cloud assemblies come last: the global setup synthesizes those in the
 * background (test/infra/support/global-setup.ts), and the other files keep both workers busy meanwhile,
 * where a worker that took one of these first would wait for the synthesis.
 */
class SharedSynthesisLastSequencer extends Sequencer {
  /** @param {import('@jest/test-result').Test[]} tests */
  sort(tests) {
    const sorted = /** @type {import('@jest/test-result').Test[]} */ (super.sort(tests));
    const waiting = new Set(sorted.filter((test) => readsSharedAssemblies(test.path)));
    return [...sorted.filter((test) => !waiting.has(test)), ...waiting];
  }
}

module.exports = SharedSynthesisLastSequencer;
module.exports.readsSharedAssemblies = readsSharedAssemblies;
