// Figure 1: the wall time of the suite as `npm test` runs it (support/run.ts, the embedded emulator with the
// --parallel a user gets by default, every report), without the @fuzz scenarios, against an empty cucumber run
// through the same runner: the same loader, support code, formatters and workers, with a tag expression no
// scenario has. Each run writes a new reports directory, as `npm test` does.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT, RUNNER_NODE_ARGS } from '../../support/runner/paths.ts';
import { DEFAULT_EMBEDDED_PARALLEL } from '../../support/runner/workers.ts';
import { ratio, type Summary, summarise } from './stats.ts';

export const SUITE_TAGS = 'not @fuzz';
export const EMPTY_TAGS = '@bench-matches-no-scenario';
const RUN_TIMEOUT_MS = 120_000;

export interface RunnerRun {
  readonly seconds: number;
  readonly code: number;
  readonly scenarios: number;
  /** The last lines of its output, when it exited with 2 or was stopped. */
  readonly tail?: string;
}

export interface SuiteFigures {
  readonly full: Summary;
  readonly empty: Summary;
  /** median(full) / median(empty). */
  readonly ratio: number | undefined;
  /** full / empty of the runs made one after the other: what the budget is judged on. */
  readonly pairRatios: Summary;
  readonly scenarios: number;
  /** Scenarios over the median wall time of the whole run. */
  readonly scenariosPerSecond: number;
  /** (median(full) - median(empty)) / scenarios: what one more scenario costs, ms. */
  readonly msPerScenario: number;
  /** Exit codes of the measured full runs (1: a scenario failed, which the figure does not hide). */
  readonly fullExitCodes: readonly number[];
  readonly command: string;
  /** cucumber workers of both kinds of run: the runner's default on the embedded emulator (0: none). */
  readonly parallel: number;
}

/** Scenarios that finished, from the message stream the run wrote (retries not counted twice). */
async function countScenarios(messagesFile: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(messagesFile, 'utf8');
  } catch {
    return 0;
  }
  let count = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('{"testCaseFinished"') && !line.includes('"willBeRetried":true')) count++;
  }
  return count;
}

export function runnerArguments(tags: string, reportsDir: string): string[] {
  return [...RUNNER_NODE_ARGS, '--tags', tags, `--reports=${reportsDir}`];
}

const running = new Set<number>();

/** Kills the process group of every runner still running (the bench is being stopped). */
export function stopRunners(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** One run of the runner, timed from spawn to exit; stopped (its whole process group) after RUN_TIMEOUT_MS. */
export function runRunner(tags: string, reportsDir: string): Promise<RunnerRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.HARNESS_REPORTS; // every report, as `npm test` writes them
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, runnerArguments(tags, reportsDir), {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a stop reaches cucumber and the emulator too
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      const seconds = (performance.now() - started) / 1000;
      const tail = output.split('\n').slice(-15).join('\n');
      if (timedOut)
        return reject(new Error(`the runner did not finish within ${RUN_TIMEOUT_MS / 1000} s:\n${tail}`));
      const exit = code ?? (signal ? 1 : 0);
      if (exit === 2 || exit > 2)
        return reject(new Error(`the runner could not make the run (exit ${exit}):\n${tail}`));
      void countScenarios(path.join(reportsDir, 'messages.ndjson')).then(
        (scenarios) => resolve({ seconds, code: exit, scenarios, ...(exit === 0 ? {} : { tail }) }),
        reject,
      );
    });
  });
}

export async function benchSuite(options: {
  readonly runs: number;
  readonly warmups: number;
  /**
   * Where each run writes a reports directory of its own (`<kind>-<n>`), as `npm test` does: a reused one would
   * have each run pay for deleting the last one's thousands of files (docs/bench.md, Allure's files). Deleted
   * by the caller, after the figures are taken.
   */
  readonly reportsRoot: string;
  readonly onRun?: (kind: 'full' | 'empty', run: RunnerRun) => void;
}): Promise<SuiteFigures> {
  let runsMade = 0;
  const one = async (kind: 'full' | 'empty') => {
    const dir = path.join(options.reportsRoot, `${kind}-${++runsMade}`);
    const run = await runRunner(kind === 'full' ? SUITE_TAGS : EMPTY_TAGS, dir);
    if (kind === 'empty' && run.scenarios !== 0)
      throw new Error(
        `the empty run ran ${run.scenarios} scenarios: some scenario has the tag ${EMPTY_TAGS}`,
      );
    if (kind === 'full' && run.scenarios === 0) throw new Error('the suite ran no scenario');
    options.onRun?.(kind, run);
    return run;
  };
  // The warm-up is an empty run: it loads (and has tsx compile) every module a suite loads, the steps and the
  // support code, the formatters and their workers; the first suite measured is no slower than the others.
  for (let i = 0; i < options.warmups; i++) await one('empty');
  const full: RunnerRun[] = [];
  const empty: RunnerRun[] = [];
  for (let i = 0; i < options.runs; i++) {
    // alternate the order, so that a drift in the machine's load does not weigh on one side only
    if (i % 2 === 0) {
      empty.push(await one('empty'));
      full.push(await one('full'));
    } else {
      full.push(await one('full'));
      empty.push(await one('empty'));
    }
  }
  const fullSeconds = summarise(full.map((r) => r.seconds));
  const emptySeconds = summarise(empty.map((r) => r.seconds));
  const scenarios = Math.max(...full.map((r) => r.scenarios));
  return {
    full: fullSeconds,
    empty: emptySeconds,
    ratio: ratio(fullSeconds.median, emptySeconds.median),
    pairRatios: summarise(full.map((run, i) => run.seconds / (empty[i] as RunnerRun).seconds)),
    scenarios,
    scenariosPerSecond: scenarios / fullSeconds.median,
    msPerScenario: ((fullSeconds.median - emptySeconds.median) * 1000) / scenarios,
    fullExitCodes: full.map((r) => r.code),
    parallel: DEFAULT_EMBEDDED_PARALLEL,
    command: `node ${runnerArguments(SUITE_TAGS, '<tmp>')
      .map((a) => (a.includes(' ') ? `'${a}'` : a))
      .join(' ')}`,
  };
}
