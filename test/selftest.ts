// `npm run selftest`: the project's own tests, then proof that the suite can fail. The suite must pass the
// faithful emulator and catch every deviation in the catalogue with a scenario that names what it breaks.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DEVIATIONS, unmetNeeds } from '../emulator/deviations.ts';
import { startEmulator } from '../emulator/index.ts';
import { AS_FOUND_SITE_FILE, loadSite } from '../emulator/site.ts';
import { readRunResult, type ScenarioResult } from '../support/report/messages.ts';
import { RUNNER_NODE_ARGS } from '../support/runner/paths.ts';
import { HarnessSessions } from './helpers/harness-sessions.ts';
import { runTestFiles, runTestFilesGrouped, testFiles } from './run-tests.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORTS = path.join(ROOT, 'reports', 'selftest');
/** A fixed seed, so that a deviation caught once is caught on every run of the same code. */
const SEED = 20261127;

interface Outcome {
  readonly name: string;
  readonly breaks: readonly string[];
  readonly exitCode: number;
  readonly failed: readonly ScenarioResult[];
  /** Failed scenarios that carry one of the deviation's requirement ids. */
  readonly catches: readonly ScenarioResult[];
  readonly output: string;
  readonly seconds: number;
}

/** A command, its output kept (printed only when the faithful emulator fails the suite). */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * The suite against one emulator (faithful when `deviation` is undefined), through the runner `npm test` runs: in a
 * process of its own, or in one of `sessions` (a process that makes many runs, test/helpers/harness-sessions.ts).
 * `rig`: the emulator's rig arranges every scenario; `as-found`: no rig, the emulator on the as-found site, and
 * the harness judges the site as it finds it (docs/spec/as-found.md).
 */
async function suiteAgainst(
  deviation: string | undefined,
  extraArgs: readonly string[],
  phase: 'all' | 'examples' | 'fuzz' = 'all',
  mode: 'rig' | 'as-found' = 'rig',
  sessions?: HarnessSessions,
): Promise<Outcome> {
  const rigToken = randomBytes(12).toString('hex');
  const asFound = mode === 'as-found';
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    ...(asFound ? { rig: false, site: fileURLToPath(AS_FOUND_SITE_FILE) } : { rigToken }),
    quiet: true,
    deviate: deviation ? [deviation] : [],
  });
  const name = `${asFound ? 'as-found-' : ''}${deviation ?? 'faithful'}`;
  const reports = path.join(REPORTS, phase === 'all' ? name : `${name}-${phase}`);
  // Against a deviation only the scenarios of the requirements it breaks run: the verdict (a scenario carrying
  // one of its ids fails) is the same as for the whole suite, at a fraction of the time.
  const breaks = DEVIATIONS.find((d) => d.name === deviation)?.breaks ?? [];
  const ofRequirements = breaks.length > 0 ? `(${breaks.map((id) => `@req:${id}`).join(' or ')})` : '';
  const kind = phase === 'examples' ? 'not @fuzz' : phase === 'fuzz' ? '@fuzz' : '';
  const expression = [ofRequirements, kind].filter(Boolean).join(' and ');
  const tags = expression ? ['--tags', expression] : [];
  const started = Date.now();
  try {
    const argv = [
      `--target=${emulator.taskUrl}`,
      ...(asFound ? [] : [`--rig=${emulator.rigUrl}`]),
      `--reports=${path.relative(ROOT, reports)}`,
      `--seed=${SEED}`,
      ...tags,
      ...extraArgs,
    ];
    const env = asFound
      ? { ...withoutRigToken(process.env), HARNESS_REPORTS: 'messages' }
      : { ...process.env, HARNESS_RIG_TOKEN: rigToken, HARNESS_REPORTS: 'messages' };
    const { code, output } = sessions
      ? await sessions.run(argv, env)
      : await run(process.execPath, [...RUNNER_NODE_ARGS, ...argv], env);
    const result = await readRunResult(path.join(reports, 'messages.ndjson'));
    const failed = (result?.scenarios ?? []).filter((s) => s.status === 'FAILED');
    const catches = failed.filter((s) => breaks.some((id) => s.tags.includes(`@req:${id}`)));
    return { name, breaks, exitCode: code, failed, catches, output, seconds: (Date.now() - started) / 1000 };
  } finally {
    await emulator.close();
  }
}

/** The environment without a rig token: an as-found run must not borrow one. */
function withoutRigToken(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { HARNESS_RIG_TOKEN: _, ...rest } = env;
  return rest;
}

/** At most `width` holders at once, served in the order they asked: the runs of both phases share one. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(width: number) {
    this.free = width;
  }
  async hold<R>(work: () => Promise<R>): Promise<R> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/**
 * Jobs side by side (harness runs of both phases, end-to-end files), as many as the machine has cores, four at
 * most. A harness run in a process of its own is mostly start-up (node, tsx, cucumber and the support code),
 * hence the sessions for the deviations' runs; every run's emulator lives in this process.
 */
const WIDTH = Math.max(1, Math.min(4, availableParallelism()));

/** What a phase prints: held until the phases before it have printed, so that the phases never interleave. */
class Report {
  private readonly held: { readonly error: boolean; readonly line: string }[] = [];
  /** live: printed as it comes (the phase that prints first), not held. */
  constructor(private readonly live = false) {}
  log(line = ''): void {
    if (this.live) console.log(line);
    else this.held.push({ error: false, line });
  }
  error(line: string): void {
    if (this.live) console.error(line);
    else this.held.push({ error: true, line });
  }
  print(): void {
    for (const { error, line } of this.held) (error ? console.error : console.log)(line);
  }
}

/** Each deviation: the example scenarios first; the property runs (slower) only for one the examples miss. */
function runDeviations(
  deviations: readonly { readonly name: string }[],
  extraArgs: readonly string[],
  mode: 'rig' | 'as-found',
  slots: Slots,
  report: Report,
  sessions: HarnessSessions | undefined,
): Promise<Outcome[]> {
  return Promise.all(
    deviations.map((d) =>
      slots.hold(async () => {
        const examples = await suiteAgainst(d.name, extraArgs, 'examples', mode, sessions);
        const outcome = caughtBy(examples)
          ? examples
          : await suiteAgainst(d.name, extraArgs, 'fuzz', mode, sessions);
        report.log(
          `  ${pad(d.name, 28)} ${caughtBy(outcome) ? 'caught' : 'MISSED'} (${outcome.seconds.toFixed(1)} s)`,
        );
        return outcome;
      }),
    ),
  );
}

/** Caught: the run failed, and a scenario that names one of the deviation's requirements is among the failures. */
function caughtBy(outcome: Outcome): boolean {
  return outcome.exitCode === 1 && outcome.catches.length > 0;
}

/** The table of a phase, one deviation a line with the scenarios that caught it; the count caught. */
function tabulate(outcomes: readonly Outcome[], heading: string, shown: number, report: Report): number {
  report.log(`\n${pad(heading, 28)} ${pad('verdict', 8)} scenarios that caught it`);
  let caught = 0;
  for (const o of outcomes) {
    const ok = caughtBy(o);
    if (ok) caught++;
    const names = o.catches.map((s) => `${s.name} (${path.basename(s.uri)}:${s.line})`);
    const detail = ok
      ? `${names.slice(0, shown).join('; ')}${names.length > shown ? `; and ${names.length - shown} more` : ''}`
      : `exit ${o.exitCode}; ${o.failed.length} failed, none tagged ${o.breaks.map((id) => `@req:${id}`).join(' or ')}`;
    report.log(`${pad(o.name.replace(/^as-found-/, ''), 28)} ${pad(ok ? 'caught' : 'MISSED', 8)} ${detail}`);
  }
  return caught;
}

/** The selftest's own flags; every other --flag goes to the harness. */
const OWN_FLAGS: readonly string[] = ['--no-unit', '--as-found-only', '--no-as-found', '--process-each-run'];

/** The unit files as npm run unit runs them (two processes a core), before anything else. 1 when a test failed. */
async function unitPhase(): Promise<number> {
  const width = availableParallelism();
  console.log(
    `selftest: the unit tests (node:test, test/*.test.ts, shared among ${width * 2} processes, ${width} at a time)`,
  );
  const { failures } = await runTestFilesGrouped(await testFiles('test'), width);
  if (failures === 0) return 0;
  console.error('selftest: the unit tests failed');
  return 1;
}

/**
 * The end-to-end files, each a job of the slots that the harness runs share: the cores stay busy to the end
 * instead of waiting for a phase's longest file. Each file's report is kept and printed whole, in file order.
 * (Their tests that time how soon a run gives up run it with a call timeout of a minute and hold it to a third
 * of that: they tell giving up from waiting a timeout out on a loaded machine too.) 1 when a test failed.
 */
async function endToEndPhase(slots: Slots, report: Report): Promise<number> {
  const files = await testFiles('test/e2e');
  report.log(`\nselftest: the end-to-end tests (node:test, test/e2e/*.test.ts, sharing the ${WIDTH} slots)`);
  const results = await Promise.all(
    files.map((file) =>
      slots.hold(async () => {
        let text = '';
        const out = new Writable({
          write(chunk, _encoding, done) {
            text += String(chunk);
            done();
          },
        });
        const { failures } = await runTestFiles([file], 1, out);
        return { text, failures };
      }),
    ),
  );
  for (const { text } of results) report.log(text.trimEnd());
  const failures = results.reduce((sum, r) => sum + r.failures, 0);
  if (failures === 0) return 0;
  report.error(`selftest: the end-to-end tests failed (${failures} failures)`);
  return 1;
}

async function main(argv: readonly string[]): Promise<number> {
  const only = argv.filter((a) => !a.startsWith('--'));
  const extraArgs = argv.filter((a) => a.startsWith('--') && !OWN_FLAGS.includes(a));
  const unknown = only.filter((name) => !DEVIATIONS.some((d) => d.name === name));
  if (unknown.length > 0) {
    console.error(`selftest: no such deviation: ${unknown.join(', ')}`);
    return 2;
  }
  const slots = new Slots(WIDTH);
  // The deviations' runs are made in session processes, many runs each (test/helpers/harness-sessions.ts): a run
  // is mostly start-up. The faithful runs keep a process each, as `npm test` makes them. --process-each-run: every
  // run a process of its own, as before the sessions (to compare the verdicts, or to rule the sessions out).
  const sessions = argv.includes('--process-each-run') ? undefined : new HarnessSessions();
  try {
    return await phases(argv, only, extraArgs, slots, sessions);
  } finally {
    sessions?.close();
  }
}

async function phases(
  argv: readonly string[],
  only: readonly string[],
  extraArgs: readonly string[],
  slots: Slots,
  sessions: HarnessSessions | undefined,
): Promise<number> {
  const skipUnit = argv.includes('--no-unit');
  // --as-found-only [NAME...]: only the second phase, for debugging one deviation without a rig.
  if (argv.includes('--as-found-only')) {
    const report = new Report();
    const code = await asFoundPhase(only, extraArgs, slots, report, sessions, false);
    report.print();
    return code;
  }
  if (!skipUnit && (await unitPhase()) !== 0) return 1;
  // The end-to-end files and both phases of harness runs at once, sharing the slots: they share nothing else
  // (each run has its own emulator on an ephemeral port and its own reports folder). The faithful run with the rig
  // asks first (if it fails, the rest means nothing), then the end-to-end files and the faithful run without a rig,
  // and each phase's deviations once its faithful run passed; the rig phase prints as it goes, the others once
  // it is done.
  const endToEndReport = new Report();
  const endToEnd = skipUnit ? Promise.resolve(0) : endToEndPhase(slots, endToEndReport);
  const rigReport = new Report(true);
  const rig = rigPhase(only, extraArgs, slots, rigReport, !argv.includes('--no-as-found'), sessions);
  const asFoundReport = new Report();
  const asFound = argv.includes('--no-as-found')
    ? Promise.resolve(0)
    : asFoundPhase(only, extraArgs, slots, asFoundReport, sessions);
  const codes = [await rig];
  rigReport.print();
  codes.push(await asFound);
  asFoundReport.print();
  codes.push(await endToEnd);
  endToEndReport.print();
  if (sessions)
    console.log(
      `selftest: the deviations' runs were made in ${sessions.started} session processes (at most ${Math.round(sessions.maxRss / 2 ** 20)} MB resident after a run)`,
    );
  return Math.max(...codes);
}

/** The first phase: the suite with the emulator's rig against the faithful emulator, then every deviation. */
async function rigPhase(
  only: readonly string[],
  extraArgs: readonly string[],
  slots: Slots,
  report: Report,
  together: boolean,
  sessions: HarnessSessions | undefined,
): Promise<number> {
  report.log('selftest: the suite against the faithful emulator');
  const faithful = await slots.hold(() => suiteAgainst(undefined, extraArgs));
  if (faithful.exitCode !== 0) {
    report.error(faithful.output);
    report.error(
      `selftest: the suite failed the faithful emulator (exit ${faithful.exitCode}); the rest means nothing`,
    );
    return 1;
  }
  report.log(`  passed (${faithful.seconds.toFixed(1)} s)`);

  const chosen = only.length > 0 ? DEVIATIONS.filter((d) => only.includes(d.name)) : DEVIATIONS;
  report.log(
    `selftest: the suite against ${chosen.length} deviations (${WIDTH} harness runs at a time${together ? ', both phases together' : ''})`,
  );
  const outcomes = await runDeviations(chosen, extraArgs, 'rig', slots, report, sessions);
  const caught = tabulate(outcomes, 'deviation', 3, report);
  const score = outcomes.length === 0 ? 100 : (100 * caught) / outcomes.length;
  report.log(`\nmutation score: ${caught}/${outcomes.length} deviations caught (${score.toFixed(1)}%)`);
  report.log(`selftest: ${caught} passed, ${outcomes.length - caught} failed`);
  return caught === outcomes.length ? 0 : 1;
}

/**
 * The second phase: every deviation the as-found site can show (its needs met there, emulator/deviations.ts) is
 * run against the emulator with no rig on that site, the harness judging the site as it finds it, and must be
 * caught as in the first phase. The rest need what no site as found offers (a success, a known error flag).
 */
async function asFoundPhase(
  only: readonly string[],
  extraArgs: readonly string[],
  slots: Slots,
  report: Report,
  sessions: HarnessSessions | undefined,
  together = true,
): Promise<number> {
  const site = (await loadSite(AS_FOUND_SITE_FILE)).ports;
  const chosen = only.length > 0 ? DEVIATIONS.filter((d) => only.includes(d.name)) : DEVIATIONS;
  const catchable = chosen.filter((d) => unmetNeeds(d.needs, site).length === 0);
  const notCatchable = chosen.filter((d) => unmetNeeds(d.needs, site).length > 0);
  const siteName = path.relative(ROOT, fileURLToPath(AS_FOUND_SITE_FILE));

  report.log(
    `\nselftest: the suite against the faithful emulator with no rig, on the site as found (${siteName})`,
  );
  const faithful = await slots.hold(() => suiteAgainst(undefined, extraArgs, 'all', 'as-found'));
  if (faithful.exitCode !== 0) {
    report.error(faithful.output);
    report.error(
      `selftest: the suite failed the faithful emulator without a rig (exit ${faithful.exitCode}); the as-found score means nothing`,
    );
    return 1;
  }
  report.log(`  passed (${faithful.seconds.toFixed(1)} s)`);

  report.log(
    `selftest: the suite without a rig against the ${catchable.length} deviations that site can show (${WIDTH} harness runs at a time${together ? ', both phases together' : ''})`,
  );
  const outcomes = await runDeviations(catchable, extraArgs, 'as-found', slots, report, sessions);
  const caught = tabulate(outcomes, 'deviation (no rig)', 2, report);
  if (notCatchable.length > 0) {
    report.log(`\nnot catchable without a rig on ${siteName}, by what they need:`);
    for (const d of notCatchable)
      report.log(`  ${pad(d.name, 28)} needs ${unmetNeeds(d.needs, site).join(', ')}`);
  }
  const score = outcomes.length === 0 ? 100 : (100 * caught) / outcomes.length;
  report.log(
    `\nas-found score: caught without a rig ${caught} / catchable on that site ${outcomes.length} (${score.toFixed(1)}%)`,
  );
  return caught === outcomes.length ? 0 : 1;
}

const began = performance.now();
main(process.argv.slice(2)).then(
  (code) => {
    const seconds = Math.round((performance.now() - began) / 1000);
    console.log(
      `selftest: ${code === 0 ? 'passed' : 'failed'} in ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`,
    );
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`selftest: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 2;
  },
);
