// `npm run bench:readme`: the README's performance table, written from reports/bench.json (what the last complete
// `npm run bench` measured), between the README's `<!-- bench:start -->` and `<!-- bench:end -->` lines. Nothing
// in the table is typed by hand: the date, the machine, its load and every figure come from the file.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CpuIdle, describeCpuIdle } from './cpu-idle.ts';
import type { Judged } from './stats.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

/** What the table needs of reports/bench.json. */
export interface BenchReport {
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    readonly node: string;
    /** How idle cores wait (absent from older reports, and where sysfs does not say). */
    readonly idle?: CpuIdle;
  };
  readonly loadavg: { readonly start: readonly number[]; readonly end: readonly number[] };
  /** How fast the reports' disk made a file right before the suite (absent from older reports). */
  readonly figures?: { readonly disk?: { readonly usPerFile?: number } };
  readonly budgets: readonly Judged[];
  readonly met: boolean;
}

export class BenchReportError extends Error {
  override readonly name = 'BenchReportError';
}

/** The report, checked for what the table uses; a clear error naming the file otherwise. */
export function parseBenchReport(text: string, file: string): BenchReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BenchReportError(`${file}: not JSON (${(error as Error).message}); run npm run bench again`);
  }
  const r = value as Partial<BenchReport> | null;
  const problems: string[] = [];
  if (typeof r?.date !== 'string') problems.push('date');
  if (typeof r?.machine?.cpu !== 'string' || typeof r.machine.cores !== 'number') problems.push('machine');
  if (!Array.isArray(r?.loadavg?.start) || !Array.isArray(r?.loadavg?.end)) problems.push('loadavg');
  if (!Array.isArray(r?.budgets) || r.budgets.length === 0) problems.push('budgets');
  else if (r.budgets.some((b) => typeof b?.name !== 'string' || typeof b.limit !== 'number'))
    problems.push('budgets[].name/limit');
  if (problems.length > 0)
    throw new BenchReportError(
      `${file}: missing or malformed ${problems.join(', ')}; run npm run bench again`,
    );
  return r as BenchReport;
}

function figure(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

/** The markdown between the markers: when and where, then one line a budget. */
export function renderTable(report: BenchReport): string {
  const when = report.date.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  const m = report.machine;
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(' ');
  const disk = report.figures?.disk?.usPerFile;
  const idle = describeCpuIdle(m.idle);
  const lines = [
    `Latest: **${when}**, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node.replace(/^v/, '')}${idle === undefined ? '' : `, ${idle}`};`,
    `load average ${load(report.loadavg.start)} at the start, ${load(report.loadavg.end)} at the end${disk === undefined ? '' : `; a file made in the reports folder in ${disk} µs (the suite makes about 2,250)`}. Medians;`,
    `${report.met ? 'every budget met' : `${report.budgets.filter((b) => !b.met).length} of ${report.budgets.length} budgets missed`}.`,
    '',
    '| budget | limit | median | met |',
    '| --- | ---: | ---: | --- |',
    ...report.budgets.map(
      (b) =>
        `| ${b.name} | ${b.direction === 'at-most' ? '≤' : '≥'} ${b.limit} ${b.unit} | ${figure(b.value, b.unit)} | ${b.met ? 'yes' : '**no**'} |`,
    ),
  ];
  // what the same run measured beside each budget missed, to read the verdict by
  const beside = report.budgets.filter((b) => !b.met && typeof b.beside === 'string');
  if (beside.length > 0)
    lines.push(
      '',
      'Beside each budget missed, in the same run:',
      ...beside.map((b) => `- ${b.name}: ${b.beside}.`),
    );
  return lines.join('\n');
}

/** The README with the table between the markers replaced; an error when the markers are not there once, in order. */
export function replaceTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start || readme.indexOf(START, start + 1) >= 0 || readme.indexOf(END, end + 1) >= 0)
    throw new BenchReportError(`README.md: expected one ${START} line, then one ${END} line`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

async function main(): Promise<number> {
  const reportFile = path.join(ROOT, 'reports', 'bench.json');
  const readmeFile = path.join(ROOT, 'README.md');
  let text: string;
  try {
    text = await readFile(reportFile, 'utf8');
  } catch {
    console.error(`bench:readme: ${path.relative(ROOT, reportFile)} not found; run npm run bench first`);
    return 2;
  }
  const table = renderTable(parseBenchReport(text, path.relative(ROOT, reportFile)));
  const readme = await readFile(readmeFile, 'utf8');
  await writeFile(readmeFile, replaceTable(readme, table));
  console.log(`bench:readme: README.md's table written from ${path.relative(ROOT, reportFile)}`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`bench:readme: ${(error as Error).message}`);
      process.exitCode = 2;
    },
  );
}
