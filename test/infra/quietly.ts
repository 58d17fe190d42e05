/** Runs `run` with console.error and console.log silenced: synthesis prints every nag finding it fails on. */
export function quietly<T>(run: () => T): T {
  const spies = [jest.spyOn(console, 'error').mockImplementation(() => {}), jest.spyOn(console, 'log').mockImplementation(() => {})];
  try {
    return run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
