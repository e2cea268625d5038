// What the runner tells the cucumber processes (the main one and any --parallel workers) about the run.

import type { OperatorCommand } from './arrange/operator-command.ts';
import type { RigReportKind } from './arrange/rig-reports.ts';
import type { LogPublisherConfig } from './log-publisher/stream.ts';
import type { Encoding } from './model.ts';
import type { Capabilities, Fixtures } from './profile/profile.ts';
import type { Expectation } from './report/verdicts-expect.ts';
import type { SiteMap } from './site/site-map.ts';

/** What the cucumber processes need of the target profile (never its token: that travels on its own). */
export interface RunProfile {
  readonly file: string;
  readonly capabilities: Capabilities;
  readonly fixtures: Fixtures;
  /** How long a port arranged through the Task Interface may take to read back as wanted. */
  readonly arrangementMs: number;
  /** How long to wait for the operator's answer. */
  readonly operatorMs: number;
}

/** What one cucumber worker of a --parallel run uses in place of the run's own target (run.workers). */
export interface WorkerTarget {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly logPublisher?: LogPublisherConfig;
  /** The only port ids this worker may call (the profile's parallel.port_sets); every port when undefined. */
  readonly ports?: readonly number[];
}

export interface RunConfig {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly encodings: readonly Encoding[];
  readonly seed: number;
  readonly fuzzRuns?: number;
  readonly fuzzPath?: string;
  readonly reportsDir: string;
  /** The command that re-runs one scenario of this run, without the feature path. */
  readonly rerunPrefix: string;
  /** The target profile (--target-profile), when one is used. */
  readonly profile?: RunProfile;
  /** --interactive: an operator answers at this terminal. */
  readonly interactive?: boolean;
  /** The scripted operator (--operator-command, or the profile's operator.command unless --interactive). */
  readonly operatorCommand?: OperatorCommand;
  /** Where every exchange is appended as one JSON line (certification evidence). */
  readonly exchangesFile?: string;
  /** --expect: the target's known failures. */
  readonly expectations?: readonly Expectation[];
  /** With no rig: the site as discovery read it before the first scenario (docs/spec/as-found.md). */
  readonly site?: SiteMap;
  /** The Log Publisher the scenarios read, when one answered at the pre-flight. */
  readonly logPublisher?: LogPublisherConfig;
  /**
   * With a rig: the kinds of report of its own requests that may come after a call, as the pre-flight learned them
   * (rig-reports.ts); only these are excused there as an arrangement's late report. Every kind when not said.
   */
  readonly rigLateReports?: readonly RigReportKind[];
  /**
   * --parallel with a target a worker: worker i (cucumber's CUCUMBER_WORKER_ID) uses workers[i], an embedded
   * emulator of its own or its own port set; readRunConfig hands each worker its own. Undefined: every process
   * shares the one target, and scenarios run one at a time.
   */
  readonly workers?: readonly WorkerTarget[];
  /** In a worker of a --parallel run with workers: its index (CUCUMBER_WORKER_ID). */
  readonly worker?: number;
}

const RUN_VARIABLE = 'HARNESS_RUN';
/** The rig token travels in its own variable so that the run description can be printed and stored safely. */
export const RIG_TOKEN_VARIABLE = 'HARNESS_RIG_TOKEN';

export function runConfigEnvironment(config: RunConfig): Record<string, string> {
  return { [RUN_VARIABLE]: JSON.stringify(config) };
}

/** The run as this process sees it: in a worker of a run with a target a worker, that worker's target. */
export function readRunConfig(env: NodeJS.ProcessEnv = process.env): RunConfig {
  const raw = env[RUN_VARIABLE];
  if (!raw) {
    throw new Error(`${RUN_VARIABLE} is not set: run the suite through "npm test", not cucumber-js directly`);
  }
  const config = JSON.parse(raw) as RunConfig;
  const id = env.CUCUMBER_WORKER_ID;
  if (!config.workers || id === undefined) return config;
  const index = Number(id);
  const own = config.workers[index];
  if (!own)
    throw new Error(
      `harness bug: cucumber worker ${id} has no target of its own (${config.workers.length} were started)`,
    );
  return {
    ...config,
    taskUrl: own.taskUrl,
    rigUrl: own.rigUrl,
    logPublisher: own.logPublisher,
    site: config.site && own.ports ? keptTo(config.site, new Set(own.ports)) : config.site,
    worker: index,
  };
}

/**
 * The site as a worker with a port set sees it: every port found outside its set is excluded, so that nothing that
 * plays on the site (a scenario, a property) ever calls it.
 */
function keptTo(site: SiteMap, ports: ReadonlySet<number>): SiteMap {
  const known = [...site.ports.map((p) => p.port_id), ...site.absent];
  const outside = known.filter((id) => !ports.has(id) && !site.excluded.includes(id));
  return { ...site, excluded: [...site.excluded, ...outside].sort((a, b) => a - b) };
}

/** Whether every cucumber process of the run shares one target's ports (then scenarios never overlap). */
export function sharesTarget(config: RunConfig): boolean {
  return config.workers === undefined;
}

/** The ports this process may call, when the run gives its worker a port set of its own. */
export function ownPorts(config: RunConfig): ReadonlySet<number> | undefined {
  const ports = config.worker === undefined ? undefined : config.workers?.[config.worker]?.ports;
  return ports === undefined ? undefined : new Set(ports);
}

export function readRigToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[RIG_TOKEN_VARIABLE];
  return token === undefined || token === '' ? undefined : token;
}
