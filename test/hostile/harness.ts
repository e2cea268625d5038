// Running the harness through its real command line (`node --import tsx support/run.ts ...`), as a user does.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNNER_NODE_ARGS } from '../../support/runner/paths.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface HarnessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** True when the run had to be killed at the deadline. */
  readonly killed: boolean;
}

/** Runs the harness with `args`; killed (and reported so) if it has not exited within `deadlineMs`. */
export function runHarness(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  deadlineMs = 120_000,
): Promise<HarnessRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...RUNNER_NODE_ARGS, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started), killed });
    });
  });
}

/** The `- <scenario>: <why>` lines of the run's failure summary, in order. */
export function failureLines(run: HarnessRun): { scenario: string; why: string }[] {
  const lines: { scenario: string; why: string }[] = [];
  const summary = run.stdout.split(/scenario\(s\) failed; re-run one with:\n/)[1] ?? '';
  for (const match of summary.matchAll(/^ {2}- (.+?): (.+)$/gm)) {
    lines.push({ scenario: match[1] ?? '', why: match[2] ?? '' });
  }
  return lines;
}

/**
 * Signs of a crash rather than a verdict: unhandled rejections, uncaught exceptions, Node's own error banner,
 * and (on stderr, where the harness says why a run could not be made) stack frames. Cucumber's report of a
 * failed assertion on stdout carries the assertion's stack: that is a verdict, not a crash.
 */
export function crashSigns(run: { readonly stdout: string; readonly stderr: string }): string[] {
  const anywhere = [
    /unhandled ?rejection/i,
    /UnhandledPromiseRejection/,
    /uncaught ?exception/i,
    /triggerUncaughtException/,
    /^Node\.js v\d+/m,
    /FATAL ERROR/,
    /Segmentation fault/,
    /the run could not be made/,
  ];
  const onStderr = [/^\s+at .+:\d+:\d+\)?$/m];
  return [
    ...anywhere.filter((sign) => sign.test(run.stdout) || sign.test(run.stderr)),
    ...onStderr.filter((sign) => sign.test(run.stderr)),
  ].map((sign) => sign.source);
}
