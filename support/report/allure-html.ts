// `npm run report [-- DIR]`: turns a run's allure-results/ into an HTML report with allure-commandline (a Java
// program), carrying Allure's history forward so that its trend charts show every run since the first.
//
// Without DIR: the newest run (reports/latest/allure-results/), into reports/allure-report/, which stays where it
// is from run to run so that its history/ can be carried into the next report. With DIR: DIR/allure-results/
// (or, when DIR holds run directories, DIR/latest/allure-results/) into DIR/allure-report/.
//
// Allure's way (https://allurereport.org/docs/history-and-retries/): before a report is generated, the history/
// of the last report is copied into the results. Only once per results directory: a report made again from the
// same results keeps the history they were first given (the runs before this one), so that a run never counts
// twice in the trend.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { latestRunDir } from './reports-dir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = 'allure-results';
const REPORT = 'allure-report';
const HISTORY = 'history';

interface Paths {
  readonly results: string;
  readonly output: string;
}

/** The results to read and the report to write, or a line saying why there are none. */
export async function reportPaths(root: string, given?: string): Promise<Paths | string> {
  const base = path.resolve(given ?? root);
  const output = path.join(base, REPORT);
  const latest = await latestRunDir(base);
  // An explicit DIR is read as it is when it holds results; reports/ prefers its newest run to the flat
  // results an earlier version (or --reports=reports) left there.
  const candidates = given !== undefined ? [base, latest] : [latest, base];
  for (const dir of candidates) {
    if (dir !== undefined && existsSync(path.join(dir, RESULTS)))
      return { results: path.join(dir, RESULTS), output };
  }
  return `no Allure results in ${path.relative(process.cwd(), base) || '.'}/ (nor a latest run there): run "npm test" first`;
}

/**
 * Copies the last report's history/ into the results, unless the results have one already (a report was made
 * from them before: theirs is the history before this run). Returns what happened, for the console.
 */
export async function carryHistory(results: string, output: string): Promise<'carried' | 'kept' | 'none'> {
  const into = path.join(results, HISTORY);
  if (existsSync(into)) return 'kept';
  const from = path.join(output, HISTORY);
  if (!existsSync(from)) return 'none';
  await cp(from, into, { recursive: true });
  return 'carried';
}

/** How many runs the report's trend holds (history/history-trend.json), or undefined when it has none. */
export function trendLength(output: string): number | undefined {
  try {
    const trend = JSON.parse(
      readFileSync(path.join(output, HISTORY, 'history-trend.json'), 'utf8'),
    ) as unknown;
    return Array.isArray(trend) ? trend.length : undefined;
  } catch {
    return undefined;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length > 1 || argv[0]?.startsWith('-')) {
    console.error('usage: npm run report [-- DIR]   (default: the newest run, reports/latest)');
    return 2;
  }
  const paths = await reportPaths(path.join(ROOT, 'reports'), argv[0]);
  if (typeof paths === 'string') {
    console.error(`report: ${paths}`);
    return 2;
  }
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    console.error(
      'report: Java is missing, and allure-commandline needs it. Install a Java runtime 8 or newer ' +
        '(Debian/Ubuntu: apt-get install default-jre-headless; macOS: brew install openjdk), then run "npm run report" again.',
    );
    return 2;
  }
  const history = await carryHistory(paths.results, paths.output);
  const relative = (p: string) => path.relative(process.cwd(), p) || '.';
  console.log(
    `report: ${relative(paths.results)} into ${relative(paths.output)}${
      history === 'carried'
        ? ', with the history of the last report'
        : history === 'kept'
          ? ', with the history it was first given'
          : ' (no earlier report: the trend starts here)'
    }`,
  );
  const allure = path.join(ROOT, 'node_modules', 'allure-commandline', 'bin', 'allure');
  const run = spawnSync(allure, ['generate', paths.results, '-o', paths.output, '--clean'], {
    stdio: 'inherit',
  });
  if (run.status !== 0) return 1;
  const runs = trendLength(paths.output);
  if (runs !== undefined) console.log(`report: the trend holds ${runs} run${runs === 1 ? '' : 's'}`);
  console.log(`report: open ${path.join(paths.output, 'index.html')} (or: npx allure open ${paths.output})`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`report: ${(error as Error)?.message ?? String(error)}`);
      process.exitCode = 2;
    },
  );
}
