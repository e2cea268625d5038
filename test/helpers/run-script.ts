// Runs one of the project's commands as a user would (node --import tsx SCRIPT ARGS) and keeps what it printed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNNER_NODE_ARGS } from '../../support/runner/paths.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr as they came, interleaved. */
  readonly output: string;
  readonly ms: number;
}

export interface ScriptOptions {
  /** Added to this process's environment, which never lends the run a rig token by accident. */
  readonly env?: NodeJS.ProcessEnv;
  /** The run is killed after this long (its code is then 1). */
  readonly timeoutMs?: number;
}

export function runScript(
  script: string,
  args: readonly string[],
  options: ScriptOptions = {},
): Promise<ScriptRun> {
  return runNode(['--import', 'tsx', script, ...args], options);
}

/** `npm test -- ARGS`: the runner started as package.json's script starts it (the libxml2-wasm preload, tsx). */
export function runHarness(args: readonly string[], options: ScriptOptions = {}): Promise<ScriptRun> {
  return runNode([...RUNNER_NODE_ARGS, ...args], options);
}

function runNode(nodeArgs: readonly string[], options: ScriptOptions): Promise<ScriptRun> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.HARNESS_RIG_TOKEN;
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, output, ms: Date.now() - started });
    });
  });
}
