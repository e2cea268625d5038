// Stage 3, the pre-flight: the target and its rig answer, and the target does what its profile declares, before
// the first scenario (a run against a target that cannot be reached is exit 2, in one line).
import { appendFile } from 'node:fs/promises';
import { RigClient } from '../arrange/rig.ts';
import { describeLearned, lateKinds, learnRigReports, type RigReportKind } from '../arrange/rig-reports.ts';
import type { Exchange, TargetConfig } from '../model.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../options.ts';
import { type CapabilityCheck, checkCapabilities } from '../profile/capabilities.ts';
import type { LoadedProfile } from '../profile/profile.ts';
import { type InterimProbe, isTransportCause, preflight, probeInterimAnswers } from '../wire/preflight.ts';
import { RunError } from './run-error.ts';
import type { Target } from './target.ts';

/** The Task Interface answers, and the rig (when there is one) answers as docs/rig-control.md fixes it. */
export async function checkReachable(target: Target, timeoutMs: number): Promise<void> {
  const cause = await preflight(target.taskUrl);
  const verb = (why: string) => (isTransportCause(why) ? 'cannot be used' : 'does not answer');
  if (cause) throw new RunError(`target ${target.taskUrl} ${verb(cause)}: ${cause}`);
  await sayInterimAnswers(target.taskUrl, 'target', {}, ['not-a-call', 'call']);
  if (target.rigUrl) {
    // A rig elsewhere has its own certificate (or scheme) to check; on the target's origin it was just checked.
    const elsewhere = new URL(target.rigUrl).origin !== new URL(target.taskUrl).origin;
    const rigCause = elsewhere ? await preflight(target.rigUrl) : undefined;
    if (rigCause) throw new RunError(`rig ${target.rigUrl} ${verb(rigCause)}: ${rigCause}`);
    // a path below the rig's base that it does not serve: refused, and nothing changes
    if (elsewhere)
      await sayInterimAnswers(
        `${target.rigUrl.replace(/\/+$/, '')}/harness-probe`,
        'rig',
        target.rigToken ? { authorization: `Bearer ${target.rigToken}` } : {},
      );
    const rig = new RigClient(target.rigUrl, {
      token: target.rigToken,
      timeoutMs: Math.min(timeoutMs, 5000),
    });
    try {
      await rig.events();
    } catch (error) {
      throw new RunError(
        `rig ${target.rigUrl} does not answer as rig-control.md fixes it: ${(error as Error).message}`,
      );
    }
  }
}

/** Probes `url` for an interim 100 nobody asked for (wire/preflight.ts), and says so in a line when it sends one. */
async function sayInterimAnswers(
  url: string,
  what: 'target' | 'rig',
  headers: Readonly<Record<string, string>> = {},
  probes?: readonly InterimProbe[],
): Promise<void> {
  if (await probeInterimAnswers(url, headers, probes))
    console.log(
      `${what}: ${new URL(url).origin} sends an interim "100 Continue" before its answers, unasked (RFC 9110 15.2 lets it); the harness reads them with its own client, a connection a request`,
    );
}

function printCapabilities(checks: readonly CapabilityCheck[], fatal: boolean): void {
  const bad = checks.filter((c) => !c.ok);
  if (bad.length === 0) {
    console.log(`profile: ${checks.length} declared capabilities and fixtures checked against the target`);
    return;
  }
  const stream = fatal ? console.error : console.warn;
  stream(`profile: the target does not do what its profile declares:`);
  for (const c of bad) stream(`  - ${c.key}: ${c.detail}`);
}

export interface ProfileCheckInput {
  readonly loaded?: LoadedProfile;
  readonly target: Target;
  readonly timeoutMs: number;
  /** --certify: a target that does not do what its profile declares is not run at all. */
  readonly certify: boolean;
  /** Every probe is appended here, as evidence. */
  readonly exchangesFile: string;
}

/** With a profile, probes what it declares and says so; none without one. */
export async function checkProfile(input: ProfileCheckInput): Promise<CapabilityCheck[]> {
  const { loaded, target } = input;
  if (!loaded) return [];
  const { profile } = loaded;
  const targetConfig: TargetConfig = {
    taskUrl: target.taskUrl,
    rigUrl: target.rigUrl,
    timeoutMs: input.timeoutMs,
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  };
  const probes: Exchange[] = [];
  const checks = await checkCapabilities(profile, targetConfig, (e) => probes.push(e));
  await appendFile(
    input.exchangesFile,
    probes.map((exchange) => `${JSON.stringify({ scenario: 'capability check', exchange })}\n`).join(''),
  );
  console.log(
    `profile: ${loaded.file} (${profile.identity.vendor}, ${profile.identity.product}, ${profile.identity.software_release})`,
  );
  printCapabilities(checks, input.certify);
  if (input.certify && checks.some((c) => !c.ok))
    throw new RunError('--certify: the target must do what its profile declares before it is certified');
  return checks;
}

export interface RigReportsInput {
  readonly target: Target;
  readonly timeoutMs: number;
  /** How long a late line is excused (timeouts.log_ms): how long the harness watches for the rig's own reports. */
  readonly watchMs: number;
  /** Every probe is appended here, as evidence. */
  readonly exchangesFile: string;
}

/** The ports the probe plays on: the ones the scenarios play on most, reset before the first of them. */
export const PROBE_PORTS = { put: 4, removed: 5 } as const;

/**
 * With a rig: what its own requests publish on the Log Publisher (arrange/rig-reports.ts), said in a line; the kinds
 * that may come after a call, the only lines excused there as an arrangement's late report. Undefined without a rig.
 */
export async function rigReportsStage(input: RigReportsInput): Promise<readonly RigReportKind[] | undefined> {
  const { target } = input;
  if (!target.rigUrl) return undefined;
  const probes: Exchange[] = [];
  const rig = new RigClient(target.rigUrl, {
    token: target.rigToken,
    timeoutMs: Math.min(input.timeoutMs, 5000),
    record: (e) => probes.push(e),
  });
  try {
    const learned = await learnRigReports(rig, PROBE_PORTS, input.watchMs);
    console.log(describeLearned(learned, target.rigUrl));
    if (target.rigToken) {
      const open = await answersWithoutToken(target.rigUrl, input.timeoutMs, (e) => probes.push(e));
      if (open) console.warn(open);
    }
    return lateKinds(learned);
  } catch (error) {
    throw new RunError(
      `rig ${target.rigUrl} does not answer as rig-control.md fixes it: ${(error as Error).message}`,
    );
  } finally {
    await appendFile(
      input.exchangesFile,
      probes.map((exchange) => `${JSON.stringify({ scenario: 'rig reports', exchange })}\n`).join(''),
    );
  }
}

/**
 * A rig given a token must refuse a request without it (docs/rig-control.md, "Guarding it": 401), since it can change
 * the controller's state at will. One GET /events without Authorization: the warning, when the rig answered it
 * anyway, in one line; undefined when it refused (401, as it should), or failed otherwise (the run's own requests
 * say how).
 * A warning, not a verdict: the Task Interface is what the scenarios judge.
 */
export async function answersWithoutToken(
  rigUrl: string,
  timeoutMs: number,
  record: (exchange: Exchange) => void,
): Promise<string | undefined> {
  const open = new RigClient(rigUrl, { timeoutMs: Math.min(timeoutMs, 5000), record });
  try {
    await open.events();
  } catch {
    return undefined;
  }
  return `warning: rig ${rigUrl} answered GET /events without its token: docs/rig-control.md wants 401 without "Authorization: Bearer <token>", since anyone who reaches the rig can change the controller's state`;
}
