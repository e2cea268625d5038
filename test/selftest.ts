// `npm run selftest`: the project's own tests, then proof that the suite can fail. The suite must pass the
// faithful emulator and catch every deviation in the catalogue with a scenario that names what it breaks.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEVIATIONS, unmetNeeds } from '../emulator/deviations.ts';
import { startEmulator } from '../emulator/index.ts';
import { AS_FOUND_SITE_FILE, loadSite } from '../emulator/site.ts';
import { readRunResult, type ScenarioResult } from '../support/report/messages.ts';

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

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, quiet: boolean) {
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env,
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
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
 * The suite against one emulator (faithful when `deviation` is undefined), through the real `npm test` path.
 * `rig`: the emulator's rig arranges every scenario; `as-found`: no rig, the emulator on the as-found site, and
 * the harness judges the site as it finds it (docs/spec/as-found.md).
 */
async function suiteAgainst(
  deviation: string | undefined,
  extraArgs: readonly string[],
  phase: 'all' | 'examples' | 'fuzz' = 'all',
  mode: 'rig' | 'as-found' = 'rig',
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
    const { code, output } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'support/run.ts',
        `--target=${emulator.taskUrl}`,
        ...(asFound ? [] : [`--rig=${emulator.rigUrl}`]),
        `--reports=${path.relative(ROOT, reports)}`,
        `--seed=${SEED}`,
        ...tags,
        ...extraArgs,
      ],
      asFound
        ? { ...withoutRigToken(process.env), HARNESS_REPORTS: 'messages' }
        : { ...process.env, HARNESS_RIG_TOKEN: rigToken, HARNESS_REPORTS: 'messages' },
      true,
    );
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

async function pool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Deviations run side by side, as many as the machine has cores, four at most. */
const WIDTH = Math.max(1, Math.min(4, availableParallelism()));

/** Each deviation: the example scenarios first; the property runs (slower) only for one the examples miss. */
function runDeviations(
  deviations: readonly { readonly name: string }[],
  extraArgs: readonly string[],
  mode: 'rig' | 'as-found',
): Promise<Outcome[]> {
  return pool(deviations, WIDTH, async (d) => {
    const examples = await suiteAgainst(d.name, extraArgs, 'examples', mode);
    const outcome = caughtBy(examples) ? examples : await suiteAgainst(d.name, extraArgs, 'fuzz', mode);
    console.log(
      `  ${pad(d.name, 28)} ${caughtBy(outcome) ? 'caught' : 'MISSED'} (${outcome.seconds.toFixed(1)} s)`,
    );
    return outcome;
  });
}

/** Caught: the run failed, and a scenario that names one of the deviation's requirements is among the failures. */
function caughtBy(outcome: Outcome): boolean {
  return outcome.exitCode === 1 && outcome.catches.length > 0;
}

/** The table of a phase, one deviation a line with the scenarios that caught it; the count caught. */
function tabulate(outcomes: readonly Outcome[], heading: string, shown: number): number {
  console.log(`\n${pad(heading, 28)} ${pad('verdict', 8)} scenarios that caught it`);
  let caught = 0;
  for (const o of outcomes) {
    const ok = caughtBy(o);
    if (ok) caught++;
    const names = o.catches.map((s) => `${s.name} (${path.basename(s.uri)}:${s.line})`);
    const detail = ok
      ? `${names.slice(0, shown).join('; ')}${names.length > shown ? `; and ${names.length - shown} more` : ''}`
      : `exit ${o.exitCode}; ${o.failed.length} failed, none tagged ${o.breaks.map((id) => `@req:${id}`).join(' or ')}`;
    console.log(`${pad(o.name.replace(/^as-found-/, ''), 28)} ${pad(ok ? 'caught' : 'MISSED', 8)} ${detail}`);
  }
  return caught;
}

async function main(argv: readonly string[]): Promise<number> {
  const only = argv.filter((a) => !a.startsWith('--'));
  const skipUnit = argv.includes('--no-unit');
  const extraArgs = argv.filter((a) => a.startsWith('--') && !OWN_FLAGS.includes(a));
  // --as-found-only [NAME...]: only the second phase, for debugging one deviation without a rig.
  if (argv.includes('--as-found-only')) return asFoundPhase(only, extraArgs);
  if (!skipUnit) {
    // The fast tests (npm run unit: test/*.test.ts), then the heavy ones (npm run e2e: test/e2e/*.test.ts).
    for (const [name, dir] of [
      ['unit', 'test'],
      ['end-to-end', 'test/e2e'],
    ] as const) {
      console.log(`selftest: the ${name} tests (node:test, ${dir}/*.test.ts)`);
      // Node 20's --test takes no glob: name the files.
      const files = (await readdir(path.join(ROOT, dir)))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `${dir}/${f}`);
      const tests = await run(process.execPath, ['--import', 'tsx', '--test', ...files], process.env, false);
      if (tests.code !== 0) {
        console.error(`selftest: the ${name} tests failed`);
        return 1;
      }
    }
  }

  console.log('selftest: the suite against the faithful emulator');
  const faithful = await suiteAgainst(undefined, extraArgs);
  if (faithful.exitCode !== 0) {
    console.error(faithful.output);
    console.error(
      `selftest: the suite failed the faithful emulator (exit ${faithful.exitCode}); the rest means nothing`,
    );
    return 1;
  }
  console.log(`  passed (${faithful.seconds.toFixed(1)} s)`);

  const chosen = only.length > 0 ? DEVIATIONS.filter((d) => only.includes(d.name)) : DEVIATIONS;
  const unknown = only.filter((name) => !DEVIATIONS.some((d) => d.name === name));
  if (unknown.length > 0) {
    console.error(`selftest: no such deviation: ${unknown.join(', ')}`);
    return 2;
  }
  console.log(`selftest: the suite against ${chosen.length} deviations, ${WIDTH} at a time`);
  const outcomes = await runDeviations(chosen, extraArgs, 'rig');
  const caught = tabulate(outcomes, 'deviation', 3);
  const score = outcomes.length === 0 ? 100 : (100 * caught) / outcomes.length;
  console.log(`\nmutation score: ${caught}/${outcomes.length} deviations caught (${score.toFixed(1)}%)`);
  console.log(`selftest: ${caught} passed, ${outcomes.length - caught} failed`);
  const first = caught === outcomes.length ? 0 : 1;
  if (argv.includes('--no-as-found')) return first;
  return Math.max(first, await asFoundPhase(only, extraArgs));
}

/** The selftest's own flags; every other --flag goes to the harness. */
const OWN_FLAGS: readonly string[] = ['--no-unit', '--as-found-only', '--no-as-found'];

/**
 * The second phase: every deviation the as-found site can show (its needs met there, emulator/deviations.ts) is
 * run against the emulator with no rig on that site, the harness judging the site as it finds it, and must be
 * caught as in the first phase. The rest need what no site as found offers (a success, a known error flag).
 */
async function asFoundPhase(only: readonly string[], extraArgs: readonly string[]): Promise<number> {
  const unknown = only.filter((name) => !DEVIATIONS.some((d) => d.name === name));
  if (unknown.length > 0) {
    console.error(`selftest: no such deviation: ${unknown.join(', ')}`);
    return 2;
  }
  const site = (await loadSite(AS_FOUND_SITE_FILE)).ports;
  const chosen = only.length > 0 ? DEVIATIONS.filter((d) => only.includes(d.name)) : DEVIATIONS;
  const catchable = chosen.filter((d) => unmetNeeds(d.needs, site).length === 0);
  const notCatchable = chosen.filter((d) => unmetNeeds(d.needs, site).length > 0);
  const siteName = path.relative(ROOT, fileURLToPath(AS_FOUND_SITE_FILE));

  console.log(
    `\nselftest: the suite against the faithful emulator with no rig, on the site as found (${siteName})`,
  );
  const faithful = await suiteAgainst(undefined, extraArgs, 'all', 'as-found');
  if (faithful.exitCode !== 0) {
    console.error(faithful.output);
    console.error(
      `selftest: the suite failed the faithful emulator without a rig (exit ${faithful.exitCode}); the as-found score means nothing`,
    );
    return 1;
  }
  console.log(`  passed (${faithful.seconds.toFixed(1)} s)`);

  console.log(
    `selftest: the suite without a rig against the ${catchable.length} deviations that site can show, ${WIDTH} at a time`,
  );
  const outcomes = await runDeviations(catchable, extraArgs, 'as-found');
  const caught = tabulate(outcomes, 'deviation (no rig)', 2);
  if (notCatchable.length > 0) {
    console.log(`\nnot catchable without a rig on ${siteName}, by what they need:`);
    for (const d of notCatchable)
      console.log(`  ${pad(d.name, 28)} needs ${unmetNeeds(d.needs, site).join(', ')}`);
  }
  const score = outcomes.length === 0 ? 100 : (100 * caught) / outcomes.length;
  console.log(
    `\nas-found score: caught without a rig ${caught} / catchable on that site ${outcomes.length} (${score.toFixed(1)}%)`,
  );
  return caught === outcomes.length ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`selftest: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 2;
  },
);
