// `npm run bench`: the harness's performance figures against their budgets (docs/bench.md). Prints a table,
// writes reports/bench.json, and exits 1 when a budget is missed (2 when a figure could not be measured).
// Loopback only; every loop is bounded in count and in time, and the whole bench by a deadline.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORTS_ROOT } from '../../support/runner/paths.ts';
import { encodeCall } from '../../support/wire/request-encoding.ts';
import { benchClientPath, type ClientPathFigure } from './client-path.ts';
import { cpuIdle } from './cpu-idle.ts';
import { type DiskFigure, probeFileMaking } from './disk.ts';
import { benchEmulator, type EmulatorFigures, warmUp } from './emulator-load.ts';
import { benchFuzz, type FuzzFigures } from './fuzz.ts';
import { type ServerProcess, startServer } from './servers.ts';
import { type Judged, judge, round, type Summary } from './stats.ts';
import { benchSuite, type SuiteFigures, stopRunners } from './suite.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPORT = path.join(PROJECT_ROOT, 'reports', 'bench.json');

/** Runs measured per figure, after one warm-up. */
const RUNS = 5;
const WARMUPS = 1;
/** The whole bench is stopped past this, however loaded the machine. */
const DEADLINE_MS = 300_000;
const CLIENT_BOUNDS = { maxCalls: 5_000, maxMs: 250 };
const LOAD_SECONDS = 0.6;
/** Load on a fresh emulator, per encoding, before any figure is taken from it. */
const WARM_UP_SECONDS = 1;
/** Runs of each property: undefined, each its own default (100, 150, 100, 80), as `npm test` runs them. */
const FUZZ_RUNS_PER_PROPERTY: number | undefined = undefined;
/** The client path paired with each fuzz iteration, per encoding. */
const FUZZ_CLIENT_BOUNDS = { maxCalls: 5_000, maxMs: 400 };

const SECTIONS = ['suite', 'client', 'emulator', 'fuzz'] as const;
type Section = (typeof SECTIONS)[number];

export const BUDGETS = {
  suite: { name: 'suite without @fuzz vs the empty run', limit: 1.5, direction: 'at-most', unit: '×' },
  client: { name: 'client path vs raw undici', limit: 0.5, direction: 'at-least', unit: '×' },
  emulator: { name: 'emulator vs bare node:http', limit: 0.6, direction: 'at-least', unit: '×' },
  p99: { name: 'emulator p99 at 64 connections', limit: 10, direction: 'at-most', unit: 'ms' },
  fuzz: { name: 'fuzz validated calls vs the client path', limit: 0.5, direction: 'at-least', unit: '×' },
  validation: {
    name: 'schema validation per answer, amortised (fuzz)',
    limit: 1,
    direction: 'at-most',
    unit: 'ms',
  },
} as const;

interface Row {
  readonly figure: string;
  readonly summary?: Summary;
  readonly value?: number;
  readonly unit: string;
}

function parseSections(argv: readonly string[]): Set<Section> {
  const only = argv.find((a) => a.startsWith('--only='));
  if (argv.some((a) => a === '--help')) {
    console.log(
      'usage: npm run bench [-- --only=suite,client,emulator,fuzz]\n(--only measures some figures and writes no reports/bench.json)',
    );
    process.exit(0);
  }
  const unknown = argv.filter((a) => !a.startsWith('--only='));
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}; see --help`);
  if (!only) return new Set(SECTIONS);
  const wanted = only.slice('--only='.length).split(',');
  for (const name of wanted) {
    if (!(SECTIONS as readonly string[]).includes(name))
      throw new Error(`--only: unknown figure ${name} (${SECTIONS.join(', ')})`);
  }
  return new Set(wanted as Section[]);
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  const idle = cpuIdle();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...(idle === undefined ? {} : { idle }),
  };
}

function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  const r = round(value);
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString('en-US') : String(r);
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function figureRows(rows: readonly Row[]): string {
  return table(
    ['figure', 'median', 'min', 'max', 'unit'],
    rows.map((r) =>
      r.summary
        ? [r.figure, fmt(r.summary.median), fmt(r.summary.min), fmt(r.summary.max), r.unit]
        : [r.figure, fmt(r.value), '', '', r.unit],
    ),
  );
}

function suiteRows(s: SuiteFigures): Row[] {
  return [
    {
      figure: `suite without @fuzz (${s.scenarios} scenarios, ${s.parallel > 0 ? `--parallel ${s.parallel}` : 'one process'}), wall`,
      summary: s.full,
      unit: 's',
    },
    { figure: 'empty run through the same runner (fixed start-up)', summary: s.empty, unit: 's' },
    { figure: 'ratio suite / empty, run by run', summary: s.pairRatios, unit: '×' },
    { figure: 'ratio of the medians', value: s.ratio, unit: '×' },
    { figure: 'scenarios a second (whole run)', value: s.scenariosPerSecond, unit: '/s' },
    { figure: 'each scenario past the start-up', value: s.msPerScenario, unit: 'ms' },
  ];
}

function clientRows(figures: readonly ClientPathFigure[]): Row[] {
  return figures.flatMap((f) => [
    { figure: `harness callTask, ${f.encoding}`, summary: f.harness, unit: 'calls/s' },
    { figure: `raw undici loop, ${f.encoding}`, summary: f.raw, unit: 'calls/s' },
    { figure: `ratio harness / raw, ${f.encoding}, run by run`, summary: f.pairRatios, unit: '×' },
    { figure: `ratio of the medians, ${f.encoding}`, value: f.ratio, unit: '×' },
  ]);
}

function emulatorRows(e: EmulatorFigures): Row[] {
  const load = (f: EmulatorFigures['bare']): Row[] => [
    { figure: `${f.label}, requests`, summary: f.requestsPerSecond, unit: 'req/s' },
    { figure: `${f.label}, p50 latency`, summary: f.p50Ms, unit: 'ms' },
    { figure: `${f.label}, p99 latency`, summary: f.p99Ms, unit: 'ms' },
    { figure: `${f.label}, server CPU per request`, summary: f.cpuUsPerRequest, unit: 'µs' },
  ];
  return [
    ...e.emulator.flatMap((f) => [
      ...load(f),
      { figure: `ratio ${f.label} / bare, run by run`, summary: f.pairRatios, unit: '×' },
      { figure: `ratio of the medians, ${f.label} / bare`, value: f.ratio, unit: '×' },
    ]),
    ...load(e.bare),
    { figure: 'emulator resident memory after the load', value: e.memory.rss / 1024 ** 2, unit: 'MiB' },
    { figure: 'emulator peak resident memory', value: e.memory.maxRss / 1024 ** 2, unit: 'MiB' },
  ];
}

function fuzzRows(f: FuzzFigures): Row[] {
  return [
    { figure: 'validated calls a second, both encodings', summary: f.callsPerSecond, unit: 'calls/s' },
    { figure: 'validated calls a second, XML', summary: f.callsPerSecondByEncoding.XML, unit: 'calls/s' },
    { figure: 'validated calls a second, JSON', summary: f.callsPerSecondByEncoding.JSON, unit: 'calls/s' },
    ...(['XML', 'JSON'] as const).flatMap((e): Row[] => [
      {
        figure: `client path in the same run, ${e}`,
        summary: f.clientPerSecondByEncoding[e],
        unit: 'calls/s',
      },
      { figure: `ratio fuzz / client path, ${e}, run by run`, summary: f.pairRatios[e], unit: '×' },
      { figure: `ratio of the medians, ${e}`, value: f.ratio[e], unit: '×' },
      { figure: `task and rig requests a validated call, ${e}`, value: f.requestsPerCall[e], unit: '' },
      {
        figure: `ratio fuzz requests / client path calls, ${e}, run by run`,
        summary: f.requestPairRatios[e],
        unit: '×',
      },
    ]),
    { figure: 'answer validation, amortised, XML', summary: f.validationMsPerResponse.XML, unit: 'ms' },
    { figure: 'answer validation, amortised, JSON', summary: f.validationMsPerResponse.JSON, unit: 'ms' },
    { figure: 'request validation ahead, per request', summary: f.aheadMsPerRequest, unit: 'ms' },
  ];
}

function budgetsOf(figures: {
  suite?: SuiteFigures;
  client?: readonly ClientPathFigure[];
  emulator?: EmulatorFigures;
  fuzz?: FuzzFigures;
}): Judged[] {
  const judged: Judged[] = [];
  if (figures.suite) {
    const suite = figures.suite;
    judged.push(
      judge(
        { ...BUDGETS.suite, figure: 'suite.pairRatios.median' },
        suite.pairRatios.median,
        `${fmt(suite.full.median)} s against ${fmt(suite.empty.median)} s: ${fmt(suite.msPerScenario)} ms a scenario past the start-up, ${suite.scenarios} scenarios`,
      ),
    );
  }
  for (const [i, f] of (figures.client ?? []).entries()) {
    judged.push(
      judge(
        {
          ...BUDGETS.client,
          name: `${BUDGETS.client.name}, ${f.encoding}`,
          figure: `client[${i}].pairRatios.median`,
        },
        f.pairRatios.median,
        `${fmt(f.harness.median)} calls a second (${fmt(f.harness.min)} to ${fmt(f.harness.max)}) against the raw loop's ${fmt(f.raw.median)} (${fmt(f.raw.min)} to ${fmt(f.raw.max)})`,
      ),
    );
  }
  for (const [i, f] of (figures.emulator?.emulator ?? []).entries()) {
    judged.push(
      judge(
        {
          ...BUDGETS.emulator,
          name: `${BUDGETS.emulator.name}, ${f.encoding}`,
          figure: `emulator.emulator[${i}].pairRatios.median`,
        },
        f.pairRatios.median,
        `${fmt(f.requestsPerSecond.median)} requests a second against the bare server's ${fmt(figures.emulator?.bare.requestsPerSecond.median)}`,
      ),
      judge(
        {
          ...BUDGETS.p99,
          name: `${BUDGETS.p99.name}, ${f.encoding}`,
          figure: `emulator.emulator[${i}].p99Ms.median`,
        },
        f.p99Ms.median,
        // autocannon keeps 64 requests outstanding: a loaded machine moves the bare server's p99 as much
        `the bare node:http server's own p99 in the same run: ${fmt(figures.emulator?.bare.p99Ms.median)} ms`,
      ),
    );
  }
  if (figures.fuzz) {
    for (const encoding of ['XML', 'JSON'] as const) {
      judged.push(
        judge(
          {
            ...BUDGETS.fuzz,
            name: `${BUDGETS.fuzz.name}, ${encoding}`,
            figure: `fuzz.pairRatios.${encoding}.median`,
          },
          figures.fuzz.pairRatios[encoding].median,
          `${fmt(figures.fuzz.requestsPerCall[encoding])} task and rig requests a validated call; their requests a second ${fmt(figures.fuzz.requestPairRatios[encoding].median)} × the client path's calls`,
        ),
      );
      judged.push(
        judge(
          {
            ...BUDGETS.validation,
            name: `${BUDGETS.validation.name}, ${encoding}`,
            figure: `fuzz.validationMsPerResponse.${encoding}.median`,
          },
          figures.fuzz.validationMsPerResponse[encoding].median,
        ),
      );
    }
  }
  return judged;
}

function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const sections = parseSections(argv);
  const complete = sections.size === SECTIONS.length;
  const started = new Date();
  const t0 = performance.now();
  const loadAtStart = os.loadavg();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  await mkdir(REPORTS_ROOT, { recursive: true });
  const scratch = await mkdtemp(path.join(REPORTS_ROOT, 'bench-scratch-'));
  const servers: ServerProcess[] = [];
  const figures: {
    disk?: DiskFigure;
    suite?: SuiteFigures;
    client?: ClientPathFigure[];
    emulator?: EmulatorFigures;
    fuzz?: FuzzFigures;
  } = {};
  const sectionSeconds: Record<string, number> = {};
  const timed = async <T>(name: Section, work: () => Promise<T>): Promise<T> => {
    const s0 = performance.now();
    progress(`${name}...`);
    const result = await work();
    sectionSeconds[name] = round((performance.now() - s0) / 1000);
    progress(`${name} done in ${sectionSeconds[name]} s (${elapsed()} in all)`);
    return result;
  };
  try {
    if (sections.has('suite')) {
      figures.disk = await probeFileMaking(path.join(scratch, 'disk-probe'));
      progress(
        `a file made in the reports folder: ${figures.disk.usPerFile} µs (${figures.disk.files} files)`,
      );
      figures.suite = await timed('suite', () =>
        benchSuite({
          runs: RUNS,
          warmups: WARMUPS,
          reportsRoot: path.join(scratch, 'suite'),
          onRun: (kind, run) =>
            progress(
              `  ${kind} run: ${run.seconds.toFixed(2)} s, ${run.scenarios} scenarios, exit ${run.code}`,
            ),
        }),
      );
    }
    if (sections.has('client') || sections.has('emulator') || sections.has('fuzz')) {
      const emulator = await startServer('emulator');
      servers.push(emulator);
      progress('warming the emulator up...');
      await warmUp(emulator, WARM_UP_SECONDS);
      if (sections.has('client')) {
        figures.client = await timed('client', () =>
          benchClientPath(emulator, { runs: RUNS, warmups: WARMUPS, bounds: CLIENT_BOUNDS }),
        );
      }
      if (sections.has('emulator')) {
        const answer = await fetch(emulator.taskUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/xml' },
          body: encodeCall('case_cancel', { port_id: 4, bin_id: 101337 }, 'XML').body,
        });
        const constant = {
          body: await answer.text(),
          contentType: answer.headers.get('content-type') ?? 'application/xml',
        };
        const bare = await startServer('bare', constant);
        servers.push(bare);
        await warmUp(bare, WARM_UP_SECONDS);
        figures.emulator = await timed('emulator', () =>
          benchEmulator(emulator, bare, { runs: RUNS, durationS: LOAD_SECONDS }),
        );
        await bare.stop();
      }
      if (sections.has('fuzz')) {
        figures.fuzz = await timed('fuzz', () =>
          benchFuzz(emulator, {
            runs: RUNS,
            warmups: WARMUPS,
            runsPerProperty: FUZZ_RUNS_PER_PROPERTY,
            exchangesFile: path.join(scratch, 'exchanges.ndjson'),
            clientBounds: FUZZ_CLIENT_BOUNDS,
          }),
        );
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(scratch, { recursive: true, force: true });
  }

  const budgets = budgetsOf(figures);
  const out: string[] = [];
  out.push(
    `\nbench ${started.toISOString()} on ${JSON.stringify(machine())}, load ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at the start`,
  );
  out.push(`medians, minimum and maximum of ${RUNS} runs after ${WARMUPS} warm-up`);
  if (figures.suite)
    out.push(
      `\n1. Suite (${figures.suite.command})\n${figureRows(suiteRows(figures.suite))}${figures.disk ? `\na file made in the reports folder right before: ${figures.disk.usPerFile} µs (${figures.disk.files} files of ${figures.disk.bytes} bytes; a full run makes about 2,250)` : ''}`,
    );
  if (figures.client)
    out.push(
      `\n2. Client path: case_cancel round trips, one at a time\n${figureRows(clientRows(figures.client))}`,
    );
  if (figures.emulator)
    out.push(
      `\n3. Emulator at ${figures.emulator.connections} connections (autocannon, ${figures.emulator.durationS} s a run)\n${figureRows(emulatorRows(figures.emulator))}`,
    );
  if (figures.fuzz) {
    out.push(
      `\n4. Fuzz: the four properties in both encodings, ${figures.fuzz.runsPerProperty === undefined ? 'each its own default runs' : `${figures.fuzz.runsPerProperty} runs each`} (${figures.fuzz.callsPerIteration} calls an iteration), against the client path right before or after\n${figureRows(fuzzRows(figures.fuzz))}`,
    );
    if (figures.fuzz.failures.length > 0)
      out.push(`fuzz findings (not budgets): ${figures.fuzz.failures.join('; ')}`);
  }
  if (figures.suite?.fullExitCodes.some((c) => c !== 0))
    out.push(`note: the suite exited ${figures.suite.fullExitCodes.join(', ')}: some scenario failed`);
  out.push(
    `\nBudgets\n${table(
      ['budget', 'limit', 'median', 'met'],
      budgets.map((b) => [
        b.name,
        `${b.direction === 'at-most' ? '≤' : '≥'} ${b.limit} ${b.unit}`,
        `${fmt(b.value)} ${b.unit}`,
        b.met ? 'yes' : 'MISSED',
      ]),
    )}`,
  );
  const missed = budgets.filter((b) => !b.met);
  out.push(
    missed.length === 0
      ? '\nevery budget met'
      : `\n${missed.length} budget(s) missed: ${missed.map((b) => b.name).join('; ')}${missed
          .filter((b) => b.beside !== undefined)
          .map((b) => `\n  ${b.name}: ${b.beside}`)
          .join('')}`,
  );
  console.log(out.join('\n'));

  const report = {
    date: started.toISOString(),
    machine: machine(),
    loadavg: { start: loadAtStart.map(round), end: os.loadavg().map(round) },
    settings: {
      runs: RUNS,
      warmups: WARMUPS,
      clientBounds: CLIENT_BOUNDS,
      loadSeconds: LOAD_SECONDS,
      fuzzRunsPerProperty: FUZZ_RUNS_PER_PROPERTY ?? 'each property its own default',
      fuzzClientBounds: FUZZ_CLIENT_BOUNDS,
    },
    seconds: { ...sectionSeconds, total: round((performance.now() - t0) / 1000) },
    figures,
    budgets,
    met: missed.length === 0,
  };
  if (complete) {
    await mkdir(path.dirname(REPORT), { recursive: true });
    await writeFile(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten: ${path.relative(process.cwd(), REPORT)} (${elapsed()})`);
  } else {
    console.log(`\n--only: ${REPORT} left as it was (${elapsed()})`);
  }
  return missed.length === 0 ? 0 : 1;
}

function stop(why: string): void {
  console.error(`bench: ${why}`);
  stopRunners(); // the servers end with their IPC channel
  process.exit(2);
}

const deadline = setTimeout(() => stop(`stopped at the deadline of ${DEADLINE_MS / 1000} s`), DEADLINE_MS);
deadline.unref();
process.once('SIGINT', () => stop('interrupted'));
process.once('SIGTERM', () => stop('terminated'));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      `bench: a figure could not be measured: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 2;
  },
);
