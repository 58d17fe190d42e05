import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the URL a service started as a child process listens on (the kit logs
 * "Server listening at http://127.0.0.1:<port>"); rejects, with its stderr, if it exits first.
 */
export function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
      if (match) resolve(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`service exited (${code}) before listening: ${stderr}`)));
  });
}
