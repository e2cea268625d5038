// `npm test`: resolve the target, check that it answers, run cucumber against it, and say what happened.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type HarnessOptions,
  parseOptions,
  resolveRigUrl,
  resolveTaskUrl,
  USAGE,
  UsageError,
} from './options.ts';
import { readRunResult, type ScenarioResult } from './report/messages.ts';
import { RIG_TOKEN_VARIABLE, type RunConfig, readRigToken, runConfigEnvironment } from './run-config.ts';
import { closeClient, preflight } from './target/client.ts';
import { RigClient } from './target/rig.ts';
import type { Encoding } from './target/types.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CUCUMBER_BIN = path.join(PROJECT_ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');

/** Exit 2: the run could not be made. One line, no stack trace. */
class RunError extends Error {}

interface Target {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly rigToken?: string;
  readonly label: string;
  close(): Promise<void>;
}

async function openTarget(options: HarnessOptions): Promise<Target> {
  if (options.target === 'emulator') {
    if (options.rig)
      throw new UsageError('--rig: the embedded emulator brings its own rig; give --rig with --target');
    // The runner may start the emulator; nothing under support/ or steps/ decides anything with its code.
    const { startEmulator } = await import('../emulator/index.ts');
    const rigToken = randomBytes(18).toString('base64url');
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken, quiet: true });
    return {
      taskUrl: emulator.taskUrl,
      rigUrl: emulator.rigUrl,
      rigToken,
      label: `the embedded emulator at ${emulator.taskUrl}`,
      close: () => emulator.close(),
    };
  }
  const taskUrl = resolveTaskUrl(options.target);
  return {
    taskUrl,
    rigUrl: options.rig === undefined ? undefined : resolveRigUrl(options.rig),
    rigToken: readRigToken(),
    label: taskUrl,
    close: async () => {},
  };
}

async function checkReachable(target: Target, timeoutMs: number): Promise<void> {
  const cause = await preflight(target.taskUrl);
  if (cause) throw new RunError(`target ${target.taskUrl} does not answer: ${cause}`);
  if (target.rigUrl) {
    const rig = new RigClient(target.rigUrl, {
      token: target.rigToken,
      timeoutMs: Math.min(timeoutMs, 5000),
    });
    try {
      await rig.events();
    } catch (error) {
      throw new RunError(
        `rig ${target.rigUrl} does not answer as rig-control.md fixes it: ${(error as Error).message}`,
      );
    }
  }
}

function encodingsOf(choice: HarnessOptions['encoding']): Encoding[] {
  if (choice === 'xml') return ['XML'];
  if (choice === 'json') return ['JSON'];
  return ['XML', 'JSON'];
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

function cucumberArguments(options: HarnessOptions): string[] {
  const args = [CUCUMBER_BIN, '--config', 'cucumber.cjs'];
  // Each Examples block of an outline is tagged with its encoding; cucumber ANDs repeated --tags.
  if (options.encoding === 'xml') args.push('--tags', 'not @json');
  if (options.encoding === 'json') args.push('--tags', 'not @xml');
  args.push(...options.cucumberArgs);
  return args;
}

function runCucumber(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      stdio: 'inherit',
      env,
      cwd: PROJECT_ROOT,
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function summarise(scenarios: readonly ScenarioResult[], rerunPrefix: string): { failed: number } {
  const count = (status: string) => scenarios.filter((s) => s.status === status).length;
  const failed = scenarios.filter((s) => !['PASSED', 'SKIPPED'].includes(s.status));
  const skipped = scenarios.filter((s) => s.status === 'SKIPPED');
  if (skipped.length > 0) {
    console.log(`\n${skipped.length} scenario(s) skipped, each with its reason:`);
    for (const s of skipped)
      console.log(`  - ${s.name} (${s.uri}:${s.line}): ${s.message ?? 'no reason given'}`);
  }
  if (failed.length > 0) {
    console.log(`\n${failed.length} scenario(s) failed; re-run one with:`);
    for (const s of failed) {
      const why = (s.message ?? s.status).split('\n')[0];
      console.log(`  - ${s.name}: ${why}\n    ${rerunPrefix} ${s.uri}:${s.line}`);
    }
  }
  console.log(`\n${scenarios.length} scenarios ran against the target.`);
  console.log(`scenarios: ${count('PASSED')} passed, ${failed.length} failed, ${skipped.length} skipped`);
  return { failed: failed.length };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  for (const flag of ['targetProfile', 'certify', 'interactive', 'expect'] as const) {
    if (options[flag])
      throw new UsageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is not available yet`);
  }
  const reportsDir = path.resolve(PROJECT_ROOT, options.reportsDir);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const seed = options.seed ?? randomInt(0, 2 ** 31 - 1);
  const target = await openTarget(options);
  try {
    await checkReachable(target, timeoutMs);
    await mkdir(reportsDir, { recursive: true });
    await rm(path.join(reportsDir, 'allure-results'), { recursive: true, force: true });
    await rm(path.join(reportsDir, 'messages.ndjson'), { force: true });

    const keep = options.ownArgs.filter((a) => !a.startsWith('--seed='));
    const rerunPrefix = ['npm test --', ...keep, `--seed=${seed}`]
      .map((a, i) => (i === 0 ? a : quote(a)))
      .join(' ');
    const config: RunConfig = {
      taskUrl: target.taskUrl,
      rigUrl: target.rigUrl,
      timeoutMs,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      encodings: encodingsOf(options.encoding),
      seed,
      fuzzRuns: options.fuzzRuns,
      reportsDir,
      rerunPrefix,
    };
    console.log(`target: ${target.label}${target.rigUrl ? `, rig ${target.rigUrl}` : ', no rig'}`);
    console.log(`fuzz seed: ${seed} (replay with --seed=${seed})`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...runConfigEnvironment(config),
      HARNESS_REPORTS_DIR: reportsDir,
    };
    if (target.rigToken) env[RIG_TOKEN_VARIABLE] = target.rigToken;
    else delete env[RIG_TOKEN_VARIABLE];
    const code = await runCucumber(cucumberArguments(options), env);

    const result = await readRunResult(path.join(reportsDir, 'messages.ndjson'));
    if (!result?.started) {
      // Cucumber stopped before running anything: a bad option or path is a run that could not be made.
      console.error('harness: cucumber did not start a run (see its message above)');
      return 2;
    }
    const { failed } = summarise(result.scenarios, rerunPrefix);
    console.log(
      `reports: ${path.relative(process.cwd(), reportsDir) || '.'}/ (junit.xml, cucumber.html, messages.ndjson, allure-results/)`,
    );
    if (failed > 0 || code !== 0) return 1;
    return 0;
  } finally {
    await target.close();
    await closeClient();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof RunError) {
      console.error(`harness: ${error.message}`);
      if (error instanceof UsageError) console.error('run "npm test -- --help" for the flags');
    } else {
      console.error(`harness: the run could not be made: ${(error as Error)?.stack ?? String(error)}`);
    }
    process.exitCode = 2;
  },
);
