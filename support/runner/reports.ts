// The run's reports directory, and stage 7, the reports: junit.xml, the verdicts in allure-results/ with the
// environment and executor, and verdicts.json (messages.ndjson, cucumber.html and allure-results/ itself are
// written during the run, by the reports worker).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HarnessOptions } from '../options.ts';
import type { LoadedProfile } from '../profile/profile.ts';
import { writeAllureContext } from '../report/allure-context.ts';
import { claimReportsDir, LATEST, type ReportsDir } from '../report/reports-dir.ts';
import { prestartReportsWorker } from '../report/reports-thread.ts';
import { countVerdicts, type ScenarioVerdict } from '../report/verdicts.ts';
import { annotateAllureResults } from '../report/verdicts-allure.ts';
import { renderJunit } from '../report/verdicts-junit.ts';
import type { RequirementRow } from '../report/verdicts-requirements.ts';
import { transportNote } from '../wire/tls.ts';
import { PROJECT_ROOT, REPORTS_ROOT } from './paths.ts';
import type { RunSettings } from './plan.ts';
import type { Target } from './target.ts';

const SUITE_NAME = 'case_cancel conformance';
/** Every report, or only the message stream (HARNESS_REPORTS=messages: the selftest and the e2e tests). */
const FULL_REPORTS = process.env.HARNESS_REPORTS !== 'messages';

/**
 * Starts the reports worker of a run whose scenarios run in this process, ahead of cucumber (its modules load
 * while the target starts and the support code loads): the html formatter and Allure's reporter unless only the
 * message stream is written, as cucumber.cjs decides. Ended by discardPrestartedReportsWorker when no run adopted it.
 */
export function prestartReports(workers: number): void {
  if (workers === 0) prestartReportsWorker({ html: FULL_REPORTS, allure: FULL_REPORTS });
}

/** Without --reports a run directory of its own (reports/runs/<stamp>-<pid>/); with it, DIR, held by a lock. */
export function claimReports(options: HarnessOptions): Promise<ReportsDir> {
  return claimReportsDir({
    root: REPORTS_ROOT,
    explicit:
      options.flags.reports !== undefined ? path.resolve(PROJECT_ROOT, options.reportsDir) : undefined,
    label: (dir) => path.relative(process.cwd(), dir) || '.',
  });
}

export interface ReportFiles {
  readonly messages: string;
  readonly exchanges: string;
  readonly allureResults: string;
}

/** The directory made ready for this run: nothing of an earlier run's that this one writes is left in it. */
export async function freshReportFiles(reportsDir: string): Promise<ReportFiles> {
  await mkdir(reportsDir, { recursive: true });
  for (const name of ['messages.ndjson', 'exchanges.ndjson', 'verdicts.json'])
    await rm(path.join(reportsDir, name), { recursive: true, force: true });
  const allureResults = path.join(reportsDir, 'allure-results');
  await rm(allureResults, { recursive: true, force: true });
  const exchanges = path.join(reportsDir, 'exchanges.ndjson');
  await writeFile(exchanges, '');
  return { messages: path.join(reportsDir, 'messages.ndjson'), exchanges, allureResults };
}

export interface ReportsInput {
  readonly reports: ReportsDir;
  readonly files: ReportFiles;
  readonly started: Date;
  readonly target: Target;
  readonly loaded?: LoadedProfile;
  readonly settings: RunSettings;
  readonly scenarios: readonly ScenarioVerdict[];
  readonly matrix: readonly RequirementRow[];
  readonly stale: readonly string[];
}

function verdictsJson({ target, loaded, settings, scenarios, matrix, stale }: ReportsInput): string {
  return `${JSON.stringify(
    {
      target: target.taskUrl,
      transport: transportNote([target.taskUrl, target.rigUrl]),
      profile: loaded?.file,
      seed: settings.seed,
      counts: countVerdicts(scenarios),
      requirements: matrix.map(({ id, verdicts, expected, scenarios: n }) => ({
        id,
        verdicts,
        expected,
        scenarios: n,
      })),
      stale_expectations: stale,
      scenarios: scenarios.map(
        ({ uri, line, name, encoding, requirements: reqs, verdict, reason, expected, stale: s }) => ({
          scenario: `${uri}:${line}`,
          name,
          encoding,
          requirements: reqs,
          verdict,
          reason,
          expected,
          stale: s,
        }),
      ),
    },
    null,
    2,
  )}\n`;
}

/** Writes the reports of the verdicts and says where they are; returns junit.xml's text (the bundle keeps it). */
export async function writeReports(input: ReportsInput): Promise<string> {
  const { reports, files, target, loaded, settings, scenarios } = input;
  const profile = loaded?.profile;
  const junit = renderJunit(scenarios, {
    suiteName: SUITE_NAME,
    timestamp: input.started.toISOString(),
    properties: {
      target: target.taskUrl,
      tls: transportNote([target.taskUrl, target.rigUrl]).tls,
      seed: String(settings.seed),
      ...(loaded ? { profile: loaded.file } : {}),
    },
  });
  if (FULL_REPORTS) {
    await writeFile(path.join(reports.dir, 'junit.xml'), junit);
    await annotateAllureResults(files.allureResults, scenarios);
    await writeAllureContext(
      files.allureResults,
      {
        taskUrl: target.taskUrl,
        rigUrl: target.rigUrl,
        tls: transportNote([target.taskUrl, target.rigUrl]).tls,
        seed: settings.seed,
        encodings: settings.encodings,
        profile: profile && {
          file: loaded.file,
          vendor: profile.identity.vendor,
          product: profile.identity.product,
          release: profile.identity.software_release,
        },
      },
      PROJECT_ROOT,
    );
  }
  await writeFile(path.join(reports.dir, 'verdicts.json'), verdictsJson(input));
  const where = path.relative(process.cwd(), reports.dir) || '.';
  const written = FULL_REPORTS
    ? 'verdicts.json, junit.xml, cucumber.html, messages.ndjson, exchanges.ndjson, allure-results/'
    : 'verdicts.json, messages.ndjson, exchanges.ndjson';
  const latest = path.relative(process.cwd(), path.join(REPORTS_ROOT, LATEST));
  const pointed = reports.ownRun && (await reports.markLatest()) ? `; ${latest} points here` : '';
  console.log(`reports: ${where}/ (${written})${pointed}`);
  return junit;
}
