// Starts the real `apprentice web` command as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './temp.js';

export interface WebShellProcess {
  loginUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startWebShellProcess(
  userDataDir: string,
  extraEnv: Record<string, string> = {},
  webArgs: string[] = [],
): Promise<WebShellProcess> {
  const cli = join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs');
  const child = spawn(process.execPath, [cli, 'web', ...webArgs], {
    cwd: REPO_ROOT,
    env: { ...process.env, APPRENTICE_USER_DATA: userDataDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`web shell did not start within 60 s:\n${output}`)),
      60_000,
    );
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Apprentice web shell: (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web shell exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    loginUrl,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
