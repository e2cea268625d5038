// The harness through its real command line against every hostile target: what each target did, and what
// the harness said about it. test/harness-hostile.test.ts asserts on these; test/hostile/figures.ts prints them.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type HarnessRun, runHarness } from './harness.ts';
import {
  answers50MiB,
  answersNotHttp,
  type Behaviour,
  closedPort,
  closesSilently,
  dripsBody,
  dripsHeaders,
  hangs,
  redirectsTo,
  resetsMidBody,
  startCounter,
  startFakeRig,
  startHostileTarget,
} from './targets.ts';

export const RIG_TOKEN = 'hostile-test-rig-token';
/** Eight XML scenarios, one call each: one per hostile behaviour, in the order they run. */
export const EIGHT_SCENARIOS = '@error:1099 and @xml';
export const ONE_SCENARIO = '@error:1000 and @xml';
export const CALL_TIMEOUT_MS = 2000;
export const PROFILE_TIMEOUT_MS = 700;

export interface ScenarioVerdict {
  readonly scenario: string;
  readonly name: string;
  readonly verdict: string;
  readonly reason?: string;
}

export interface HostileFigures {
  /** Nothing listens on the port. */
  readonly nothingListens: HarnessRun;
  /** Accepts the connection, never answers anything (the preflight included). */
  readonly silent: HarnessRun;
  /** Answers the preflight, misbehaves on each call in turn (--timeout=1500). */
  readonly misbehaving: HarnessRun & { readonly verdicts: ScenarioVerdict[] };
  readonly behaviours: readonly Behaviour[];
  /** The behaviours the target served, one per call, in order. */
  readonly served: readonly string[];
  /** Bytes of the 50 MiB answer the target got to write before the harness stopped reading. */
  readonly hugeBytesWritten: number;
  readonly dripBytesWritten: number;
  /** Requests that reached where the redirect pointed. */
  readonly redirectHits: number;
  /** Hangs on the call, no --timeout: the default applies. */
  readonly defaultTimeout: HarnessRun & { readonly verdicts: ScenarioVerdict[] };
  /** Hangs on the call, the profile's timeouts.call_ms applies. */
  readonly profileTimeout: HarnessRun & { readonly verdicts: ScenarioVerdict[] };
}

async function verdictsOf(reports: string): Promise<ScenarioVerdict[]> {
  try {
    const file = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as {
      scenarios: ScenarioVerdict[];
    };
    const line = (s: ScenarioVerdict) => Number(s.scenario.split(':').pop());
    return [...file.scenarios].sort((a, b) => line(a) - line(b));
  } catch {
    return [];
  }
}

/** Starts the targets and a fake rig, runs the harness against each, and closes everything again. */
export async function measureHostileHarness(): Promise<HostileFigures> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'harness-hostile-'));
  const reports = (name: string) => path.join(tmp, name);
  const rig = await startFakeRig(RIG_TOKEN);
  const counter = await startCounter();
  const behaviours = [
    hangs,
    answers50MiB,
    resetsMidBody,
    answersNotHttp,
    redirectsTo(counter.url),
    dripsBody,
    dripsHeaders,
    closesSilently,
  ];
  const misbehaving = await startHostileTarget(behaviours);
  const hanging = await startHostileTarget([hangs]);
  const silent = await startHostileTarget([], { silent: true });
  // verdicts.json and the console are what is judged: the slower report formats are skipped.
  const env = { HARNESS_RIG_TOKEN: RIG_TOKEN, HARNESS_REPORTS: 'messages' };
  const runs: Promise<HarnessRun>[] = [];
  try {
    // First and alone, so that its time is its own: the refused connection.
    const port = await closedPort();
    // A call timeout of a minute: a run that waited for any timeout would take it (see the test).
    const nothingListens = await runHarness(
      [`--target=127.0.0.1:${port}`, `--reports=${reports('refused')}`, '--timeout=60000'],
      env,
      90_000,
    );

    const profile = path.join(tmp, 'hanging-profile.json');
    await writeFile(
      profile,
      JSON.stringify({
        identity: { vendor: 'test', product: 'a target that never answers a call', software_release: '0' },
        task_url: hanging.taskUrl,
        rig: { url: rig.url, token_env: 'HOSTILE_TEST_RIG_TOKEN' },
        capabilities: { json: false, rig: true, task_interface_arrangement: false, operator: false },
        fixtures: { absent_port: 1999, autocase_ports: [4], bins: 'any' },
        timeouts: { call_ms: PROFILE_TIMEOUT_MS },
      }),
    );
    // The rest at once: each mostly waits on a deadline.
    const withRig = `--rig=${rig.url}`;
    const started = {
      silent: runHarness([`--target=${silent.taskUrl}`, `--reports=${reports('silent')}`], env, 60_000),
      misbehaving: runHarness(
        [
          `--target=127.0.0.1:${misbehaving.port}`,
          withRig,
          `--timeout=${CALL_TIMEOUT_MS}`,
          `--reports=${reports('misbehaving')}`,
          '--tags',
          EIGHT_SCENARIOS,
        ],
        env,
      ),
      defaultTimeout: runHarness(
        [
          `--target=${hanging.taskUrl}`,
          withRig,
          `--reports=${reports('default-timeout')}`,
          '--tags',
          ONE_SCENARIO,
        ],
        env,
      ),
      profileTimeout: runHarness(
        [`--target-profile=${profile}`, `--reports=${reports('profile-timeout')}`, '--tags', ONE_SCENARIO],
        { HOSTILE_TEST_RIG_TOKEN: RIG_TOKEN, HARNESS_REPORTS: 'messages' },
      ),
    };
    runs.push(...Object.values(started));
    const [silentRun, misbehavingRun, defaultRun, profileRun] = await Promise.all([
      started.silent,
      started.misbehaving,
      started.defaultTimeout,
      started.profileTimeout,
    ]);
    return {
      nothingListens,
      silent: silentRun,
      misbehaving: { ...misbehavingRun, verdicts: await verdictsOf(reports('misbehaving')) },
      behaviours,
      served: [...misbehaving.served],
      hugeBytesWritten: misbehaving.hugeBytesWritten,
      dripBytesWritten: misbehaving.dripBytesWritten,
      redirectHits: counter.hits(),
      defaultTimeout: { ...defaultRun, verdicts: await verdictsOf(reports('default-timeout')) },
      profileTimeout: { ...profileRun, verdicts: await verdictsOf(reports('profile-timeout')) },
    };
  } finally {
    // Every run ends before its targets go (an exception must not leave a harness behind).
    await Promise.allSettled(runs);
    await Promise.all([misbehaving.close(), hanging.close(), silent.close(), rig.close(), counter.close()]);
    await rm(tmp, { recursive: true, force: true });
  }
}
