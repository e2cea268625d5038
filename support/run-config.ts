// What the runner tells the cucumber processes (the main one and any --parallel workers) about the run.

import type { OperatorCommand } from './arrange/operator-command.ts';
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
}

const RUN_VARIABLE = 'HARNESS_RUN';
/** The rig token travels in its own variable so that the run description can be printed and stored safely. */
export const RIG_TOKEN_VARIABLE = 'HARNESS_RIG_TOKEN';

export function runConfigEnvironment(config: RunConfig): Record<string, string> {
  return { [RUN_VARIABLE]: JSON.stringify(config) };
}

export function readRunConfig(env: NodeJS.ProcessEnv = process.env): RunConfig {
  const raw = env[RUN_VARIABLE];
  if (!raw) {
    throw new Error(`${RUN_VARIABLE} is not set: run the suite through "npm test", not cucumber-js directly`);
  }
  return JSON.parse(raw) as RunConfig;
}

export function readRigToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[RIG_TOKEN_VARIABLE];
  return token === undefined || token === '' ? undefined : token;
}
