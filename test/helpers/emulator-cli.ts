// `npm run emulator` as a user starts it: the real command line in a process of its own, its output kept, killed
// after 30 s at the latest. For the tests of the emulator's command line.
import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from './run-script.ts';

export interface EmulatorCliRun {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

/** Starts emulator/cli.ts with these arguments; the rig token variable is emptied unless `env` sets it. */
export function startEmulatorCli(args: readonly string[], env: Record<string, string> = {}): EmulatorCliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, EMULATOR_RIG_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data) => {
    stdout += String(data);
  });
  child.stderr?.on('data', (data) => {
    stderr += String(data);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}
