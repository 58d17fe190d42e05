import { runCommand } from '../../scripts/preflight/run-command';

// Node itself stands in for a container builder: it is the one program every test machine has.
describe('the preflight command runner', () => {
  it('reports the exit code and standard error of a program that fails', async () => {
    const result = await runCommand(process.execPath, ['-e', 'console.error("daemon down"); process.exit(3)'], 10_000);
    expect(result).toEqual({ outcome: 'exited', exitCode: 3, stderr: 'daemon down\n' });
  });

  it('reports a program that succeeds with exit code 0', async () => {
    const result = await runCommand(process.execPath, ['-e', ''], 10_000);
    expect(result).toEqual({ outcome: 'exited', exitCode: 0, stderr: '' });
  });

  it('reports a program that is not installed as not found', async () => {
    expect(await runCommand('preflight-test-no-such-builder', ['info'], 10_000)).toEqual({ outcome: 'not-found' });
  });

  it('kills a program that does not finish in time and reports it as timed out', async () => {
    expect(await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], 300)).toEqual({ outcome: 'timed-out' });
  });
});
