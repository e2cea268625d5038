// A run of the harness, as `npm test` makes it (support/run.ts): a pipeline of named stages, each its own file:
//   options (plan.ts) → trust (tls.ts) → target (target.ts) → pre-flight (preflight.ts) → discovery (discovery.ts)
//   → cucumber (cucumber.ts) → verdicts (verdicts.ts, summary.ts) → reports (reports.ts) → certification.
// Exit codes: 0 nothing FAILED, 1 a scenario FAILED (or the target is not certified), 2 the run could not be made.
import { DEFAULT_LOG_EXPECT_MS } from '../log-publisher/stream.ts';
import { UsageError } from '../options.ts';
import { ProfileError } from '../profile/profile.ts';
import { harnessIdentity } from '../report/harness-identity.ts';
import { type ReportsDir, ReportsDirError } from '../report/reports-dir.ts';
import { discardPrestartedReportsWorker } from '../report/reports-thread.ts';
import { MessageStreamError } from '../report/verdicts.ts';
import { ExpectationError } from '../report/verdicts-expect.ts';
import { closeClient } from '../wire/exchange.ts';
import { certify } from './certification.ts';
import { rerunPrefix } from './command.ts';
import { runCucumber } from './cucumber.ts';
import { discoverStage } from './discovery.ts';
import { logPublisherStage } from './log-publisher.ts';
import { PROJECT_ROOT } from './paths.ts';
import { planRun, type RunPlan, type RunSettings, settleRun } from './plan.ts';
import { checkProfile, checkReachable, rigReportsStage } from './preflight.ts';
import { claimReports, freshReportFiles, prestartReports, writeReports } from './reports.ts';
import { RunError } from './run-error.ts';
import { summarise } from './summary.ts';
import { describeTarget, openTarget, type Target } from './target.ts';
import { settleTls } from './tls.ts';
import { exitCode, judgeRun } from './verdicts.ts';

async function main(argv: readonly string[]): Promise<number> {
  const started = new Date();
  const plan = await planRun(argv);
  if (!plan) return 0;
  settleTls(plan.options, plan.loaded);
  const reports = await claimReports(plan.options);
  prestartReports(plan.workers.workers);
  // git runs beside the suite: the reports find the identity ready at the end
  void harnessIdentity(PROJECT_ROOT);
  try {
    const settings = settleRun(plan);
    const target = await openTarget(plan.options, plan.loaded, plan.workers.workers);
    try {
      return await runAgainst(plan, settings, reports, target, started);
    } finally {
      await target.close();
    }
  } finally {
    await discardPrestartedReportsWorker();
    reports.release();
    await closeClient();
  }
}

async function runAgainst(
  plan: RunPlan,
  settings: RunSettings,
  reports: ReportsDir,
  target: Target,
  started: Date,
): Promise<number> {
  const { options, loaded } = plan;
  await checkReachable(target, settings.timeoutMs);
  const files = await freshReportFiles(reports.dir);
  console.log(describeTarget(target));
  const capabilityChecks = await checkProfile({
    loaded,
    target,
    timeoutMs: settings.timeoutMs,
    certify: options.certify,
    exchangesFile: files.exchanges,
  });
  const site = await discoverStage({
    options,
    loaded,
    target,
    timeoutMs: settings.timeoutMs,
    reportsDir: reports.dir,
    exchangesFile: files.exchanges,
  });
  const logPublisher = await logPublisherStage({ options, loaded, target, timeoutMs: settings.timeoutMs });
  const rigLateReports = await rigReportsStage({
    target,
    timeoutMs: settings.timeoutMs,
    watchMs: loaded?.profile.timeouts?.log_ms ?? DEFAULT_LOG_EXPECT_MS,
    exchangesFile: files.exchanges,
  });
  const rerun = rerunPrefix(options.ownArgs, settings.seed);
  const cucumberCode = await runCucumber({
    plan,
    settings,
    target,
    reportsDir: reports.dir,
    exchangesFile: files.exchanges,
    rerunPrefix: rerun,
    site,
    logPublisher,
    rigLateReports,
  });
  const finished = new Date();

  const run = await judgeRun(plan, files.messages);
  if (!run) return 2;
  summarise(run.scenarios, run.matrix, run.stale, rerun);
  const junit = await writeReports({ reports, files, started, target, loaded, settings, ...run });
  const code = exitCode(run, cucumberCode);
  if (!options.certify || !loaded || code === 2) return code;
  return certify(
    {
      plan: { ...plan, loaded },
      settings,
      target,
      reports,
      files,
      started,
      finished,
      capabilityChecks,
      run,
      junit,
    },
    code,
  );
}

/** A run that could not be made: one line (one per problem of a profile or expectation file), exit 2. */
function reportFailure(error: unknown): void {
  if (error instanceof ProfileError || error instanceof ExpectationError) {
    for (const line of error.message.split('\n')) console.error(`harness: ${line}`);
  } else if (
    error instanceof UsageError ||
    error instanceof RunError ||
    error instanceof ReportsDirError ||
    error instanceof MessageStreamError
  ) {
    console.error(`harness: ${error.message}`);
    if (error instanceof UsageError) console.error('run "npm test -- --help" for the flags');
  } else {
    console.error(`harness: the run could not be made: ${(error as Error)?.stack ?? String(error)}`);
  }
}

/**
 * One run of the harness with these arguments: its exit code (0 nothing FAILED, 1 a scenario FAILED or the target
 * is not certified, 2 the run could not be made, said in one line on stderr). Never throws.
 */
export async function runHarness(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    reportFailure(error);
    return 2;
  }
}
