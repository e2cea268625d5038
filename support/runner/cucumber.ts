// Stage 5, cucumber: the suite, in this process (or, with --parallel, in cucumber's worker processes), told the
// run's configuration through the environment (run-config.ts), its output on this terminal.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { IConfiguration, ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { operatorCommandFor } from '../arrange/operator-command.ts';
import type { RigReportKind } from '../arrange/rig-reports.ts';
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
  /** The kinds of report of the rig's own requests that may come after a call (rigReportsStage); none without a rig. */
  readonly rigLateReports?: readonly RigReportKind[];
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

/** What cucumber, and each of its workers, is told (never the rig token: that travels on its own). */
function runConfig(input: CucumberInput): RunConfig {
  const {
    plan,
    settings,
    target,
    reportsDir,
    exchangesFile,
    rerunPrefix,
    site,
    logPublisher,
    rigLateReports,
  } = input;
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
    rigLateReports,
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
  const args = cucumberArguments(options, input.plan.workers.args);
  // Without workers the suite runs in this process: one start-up a run instead of two (node, tsx, the support
  // code and what it loads), about 1.3 CPU-seconds less. Cucumber's workers are processes of their own either way.
  return input.plan.workers.workers === 0 ? cucumberHere(args, env) : spawnCucumber(args, env);
}

/** Makes process.env hold exactly `env`: a variable it lacks is removed. */
export function replaceProcessEnv(env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}

/** What this process loaded of the support code, and from where (one load a process: see cucumberHere). */
let loadedSupport: { readonly coordinates: string; readonly library: ISupportCodeLibrary } | undefined;

/**
 * Cucumber's own command line, run in this process as its bin script runs it (its arguments read by its own
 * parser, its configuration file, its API), with the run's environment in process.env while it runs (the support
 * code and cucumber.cjs read their configuration from there). Exit code as the bin script's: 0 passed, 1
 * otherwise (an error cucumber throws is printed, as it prints it).
 *
 * The support code is loaded once a process and kept: node imports a module once, so a second load would find
 * the step definitions already imported and register none. A process that makes several runs (the self-check's,
 * test/helpers/harness-session.ts) reuses it; support/run-scope.ts makes each run forget the last.
 */
async function cucumberHere(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const saved = { ...process.env };
  replaceProcessEnv(env);
  try {
    const require = createRequire(import.meta.url);
    require(NATIVE_MATCH_INDICES);
    const cucumberLib = path.join(path.dirname(CUCUMBER_BIN), '..', 'lib');
    const argv = [process.execPath, ...args];
    const { ArgvParser } = require(
      path.join(cucumberLib, 'configuration', 'index.js'),
    ) as CucumberConfiguration;
    // Cucumber's argument parser (commander) ends the process on an option it does not know, having said so:
    // here that ends this run with exit 1, as it ended cucumber's own process, and the runner goes on to judge it.
    const exit = process.exit;
    process.exit = ((code?: number) => {
      throw new CucumberExited(code ?? 0);
    }) as typeof process.exit;
    let parsed: ReturnType<CucumberConfiguration['ArgvParser']['parse']>;
    try {
      parsed = ArgvParser.parse(argv);
    } finally {
      process.exit = exit;
    }
    const { options, configuration: provided } = parsed;
    if (options.i18nLanguages || options.i18nKeywords) return await cucumberCli(cucumberLib, argv);
    const api = require('@cucumber/cucumber/api') as typeof import('@cucumber/cucumber/api');
    const environment = {
      cwd: PROJECT_ROOT,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      debug: (createRequire(CUCUMBER_BIN)('debug') as { enabled(name: string): boolean }).enabled('cucumber'),
    };
    // The configuration file reads this run's reports folder from the environment: read afresh each run.
    if (options.config) delete require.cache[require.resolve(path.resolve(PROJECT_ROOT, options.config))];
    const { runConfiguration } = await api.loadConfiguration(
      { file: options.config, profiles: options.profile, provided },
      environment,
    );
    const coordinates = JSON.stringify(runConfiguration.support);
    if (loadedSupport === undefined)
      loadedSupport = { coordinates, library: await api.loadSupport(runConfiguration, environment) };
    else if (loadedSupport.coordinates !== coordinates)
      throw new Error(
        `harness bug: this process loaded the support code from ${loadedSupport.coordinates}; this run asks for ${coordinates}: it needs a process of its own`,
      );
    const { success } = await api.runCucumber(
      { ...runConfiguration, support: loadedSupport.library },
      environment,
    );
    return success ? 0 : 1;
  } catch (error) {
    if (error instanceof CucumberExited) return error.code === 0 ? 1 : error.code;
    console.error(error);
    return 1;
  } finally {
    replaceProcessEnv(saved);
  }
}

/** What this module uses of cucumber's configuration module (internal to the package, as its Cli is). */
interface CucumberConfiguration {
  readonly ArgvParser: {
    parse(argv: readonly string[]): {
      readonly options: {
        readonly config?: string;
        readonly profile: string[];
        readonly i18nLanguages?: boolean;
        readonly i18nKeywords?: string;
      };
      readonly configuration: Partial<IConfiguration>;
    };
  };
}

/** Cucumber's own Cli, for what only it prints (--i18n-languages, --i18n-keywords). */
async function cucumberCli(cucumberLib: string, argv: readonly string[]): Promise<number> {
  const require = createRequire(import.meta.url);
  const { default: Cli } = require(path.join(cucumberLib, 'cli', 'index.js'));
  const cli = new Cli({
    argv,
    cwd: PROJECT_ROOT,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  const { success } = await cli.run();
  return success ? 0 : 1;
}

/** Cucumber's command line asked to end the process while its arguments were read. */
class CucumberExited extends Error {
  constructor(readonly code: number) {
    super(`cucumber's command line ended with exit code ${code}`);
  }
}
