// Stage 5, cucumber: the suite in a cucumber process of its own, told the run's configuration through its
// environment (run-config.ts), its output on this terminal.
import { spawn } from 'node:child_process';
import { operatorCommandFor } from '../arrange/operator-command.ts';
import type { LogPublisherConfig } from '../log-publisher/stream.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, type HarnessOptions } from '../options.ts';
import { DEFAULT_ARRANGEMENT_MS, DEFAULT_OPERATOR_S } from '../profile/profile.ts';
import {
  RIG_TOKEN_VARIABLE,
  type RunConfig,
  runConfigEnvironment,
  type WorkerTarget,
} from '../run-config.ts';
import type { SiteMap } from '../site/site-map.ts';
import { CUCUMBER_BIN, LIBXML2_PRELOAD, NATIVE_MATCH_INDICES, PROJECT_ROOT } from './paths.ts';
import type { RunPlan, RunSettings } from './plan.ts';
import type { Target } from './target.ts';

export interface CucumberInput {
  readonly plan: RunPlan;
  readonly settings: RunSettings;
  readonly target: Target;
  readonly reportsDir: string;
  readonly exchangesFile: string;
  readonly rerunPrefix: string;
  readonly site?: SiteMap;
  readonly logPublisher?: LogPublisherConfig;
}

/**
 * A target a worker, when the workers need not share one: an embedded emulator each (their Log Publishers too),
 * or the one target with a port set each. Undefined: every worker shares the target, one scenario at a time.
 */
function workerTargets({ plan, target, logPublisher }: CucumberInput): WorkerTarget[] | undefined {
  if (target.workers)
    return target.workers.map((w) => ({
      taskUrl: w.taskUrl,
      rigUrl: w.rigUrl,
      logPublisher: logPublisher && { ...logPublisher, ...w.logAddress },
    }));
  return plan.workers.portSets?.map((ports) => ({
    taskUrl: target.taskUrl,
    rigUrl: target.rigUrl,
    logPublisher,
    ports,
  }));
}

/** What every cucumber process of the run is told (never the rig token: that travels on its own). */
function runConfig(input: CucumberInput): RunConfig {
  const { plan, settings, target, reportsDir, exchangesFile, rerunPrefix, site, logPublisher } = input;
  const { options, loaded } = plan;
  const profile = loaded?.profile;
  return {
    taskUrl: target.taskUrl,
    rigUrl: target.rigUrl,
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
    encodings: settings.encodings,
    seed: settings.seed,
    fuzzRuns: options.fuzzRuns,
    fuzzPath: options.fuzzPath,
    reportsDir,
    rerunPrefix,
    profile: profile
      ? {
          file: loaded.file,
          capabilities: profile.capabilities,
          fixtures: profile.fixtures,
          arrangementMs: profile.timeouts?.arrangement_ms ?? DEFAULT_ARRANGEMENT_MS,
          operatorMs: (profile.timeouts?.operator_s ?? DEFAULT_OPERATOR_S) * 1000,
        }
      : undefined,
    interactive: options.interactive,
    operatorCommand: operatorCommandFor(options.operatorCommand, options.interactive, loaded),
    exchangesFile,
    expectations: plan.expectations,
    site,
    logPublisher,
    workers: workerTargets(input),
  };
}

function cucumberArguments(options: HarnessOptions, parallel: readonly string[]): string[] {
  const args = [CUCUMBER_BIN, '--config', 'cucumber.cjs', ...parallel];
  // Each Examples block of an outline is tagged with its encoding; cucumber ANDs repeated --tags.
  if (options.encoding === 'xml') args.push('--tags', 'not @json');
  if (options.encoding === 'json') args.push('--tags', 'not @xml');
  args.push(...options.cucumberArgs);
  return args;
}

function spawnCucumber(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    // the preload and tsx reach cucumber's --parallel workers too: they are forked with these arguments
    const child = spawn(
      process.execPath,
      ['--require', NATIVE_MATCH_INDICES, ...LIBXML2_PRELOAD, '--import', 'tsx', ...args],
      {
        stdio: 'inherit',
        env,
        cwd: PROJECT_ROOT,
      },
    );
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

/** Runs the suite; cucumber's exit code. */
export async function runCucumber(input: CucumberInput): Promise<number> {
  const { options } = input.plan;
  const { seed } = input.settings;
  const config = runConfig(input);
  console.log(`fuzz seed: ${seed} (replay with --seed=${seed})`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...runConfigEnvironment(config),
    HARNESS_REPORTS_DIR: input.reportsDir,
    // The live `scenario N of M` line shares the terminal badly with the operator's prompts.
    ...(options.interactive ? { HARNESS_PROGRESS: 'off' } : {}),
  };
  if (input.target.rigToken) env[RIG_TOKEN_VARIABLE] = input.target.rigToken;
  else delete env[RIG_TOKEN_VARIABLE];
  return spawnCucumber(cucumberArguments(options, input.plan.workers.args), env);
}
