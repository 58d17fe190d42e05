/**
 * Resolves once `condition` holds, checking every 10 ms; rejects, naming what was awaited, if it
 * still does not after `timeoutMs`. The deadline only bounds a broken run: it is no claim on speed.
 */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
