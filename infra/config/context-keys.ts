/**
 * Which context keys a CDK app receives besides its own, so that a typo of one of ours
 * (`-c natGateway=2`) stops the synth instead of silently deploying the default.
 *
 * What `cdk synth` hands the app, besides the user's `-c` flags:
 *   - feature flags (cdk.json's `context`): `@aws-cdk/core:...`, `@aws-cdk-containers/...`;
 *   - the CLI's switches: `aws:cdk:enable-path-metadata`, `aws:cdk:version-reporting`, `aws:cdk:bundling-stacks`, ...
 *     (and the older `aws-cdk:enableDiffNoFail` spelling);
 *   - cached lookups from cdk.context.json: `<provider>:account=...:region=...` (`availability-zones:...`, `ssm:...`);
 *   - two bare keys the CLI itself writes to cdk.context.json: `cdk acknowledge` and `cdk cli-telemetry`.
 */
const CDK_KEY_PATTERNS = [/^@[\w.-]+\//, /^aws:cdk:/, /^aws-cdk:/, /^[a-z][a-z0-9-]*:.*=/];
const CDK_BARE_KEYS = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);

/** True for a key that CDK (its CLI, its libraries or its lookups) owns: never one of ours. */
export function isCdkContextKey(key: string): boolean {
  return CDK_BARE_KEYS.has(key) || CDK_KEY_PATTERNS.some((pattern) => pattern.test(key));
}

/**
 * The known key a mistyped one was most likely meant as, if any is close: at most a third of its
 * length in edits (one edit for `env`), ignoring case. Ties go to the first key of `known`.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    const tolerated = Math.max(1, Math.floor(candidate.length / 3));
    if (distance <= tolerated && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  // The first row and column: the distances from and to the empty string; the loop below sets the other cells.
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : i)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}
