// The @fuzz scenarios' side of the World: run a property against the scenario's target, say what it
// exercised, and turn a counterexample into steps, evidence and a command that replays it.
import { AssertionError } from 'chai';
import type { HarnessWorld, StepOutcome } from '../cucumber/world.ts';
import type { Encoding } from '../model.ts';
import { type RunConfig, readRigToken } from '../run-config.ts';
import { FoundSite } from './as-found.ts';
import { type CheckOutcome, checkProperty, defaultTimeLimitMs } from './check.ts';
import type { FuzzProperty } from './properties.ts';
import { CannotJudge, FuzzSession } from './session.ts';

/** Above this share of one kind of answer, the run says the property exercised little else. */
export const DOMINANT_SHARE = 0.9;
const DIAGNOSIS_MIN_CALLS = 20;

interface FuzzResult {
  readonly title: string;
  readonly encoding: Encoding;
  readonly outcome: CheckOutcome;
  readonly message?: string;
}

const results = new WeakMap<HarnessWorld, FuzzResult>();

/** The cucumber step timeout of a property: its time limit, and room for validation and shrinking past it. */
export function fuzzStepTimeoutMs(run: RunConfig): number {
  return defaultTimeLimitMs(run.fuzzRuns ?? 150) + 120_000;
}

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The kinds of answer, the most frequent first. */
function spread(session: FuzzSession): [string, number][] {
  return [...session.answers].sort((a, b) => b[1] - a[1]);
}

/** One line: what ran, how fast, and how the answers spread. */
export function summarise(title: string, session: FuzzSession, outcome: CheckOutcome, seed: number): string {
  const answers = spread(session).map(([kind, n]) => `${kind} ×${n}`);
  const rate = session.calls / Math.max(outcome.elapsedMs / 1000, 0.001);
  const runs = outcome.replayed
    ? 'replayed one counterexample'
    : `${outcome.runs} of ${outcome.requestedRuns} runs${outcome.interrupted ? ` (interrupted at the time limit of ${seconds(outcome.timeLimitMs)})` : ''}`;
  const played = session.playedPorts;
  const asFound =
    played.length > 0 || session.reads > 0
      ? [
          `as found: ${session.reads} reads (getportstatus, case_getstate), played on ${played.length} port(s)${played.length > 0 ? ` (${listed(played)})` : ''}${session.moved > 0 ? `; ${session.moved} run(s) not sent, their port having moved since the site was read` : ''}${moves(session)}`,
        ]
      : [];
  return [
    `fuzz ${outcome.key} (${title}): ${runs} in ${seconds(outcome.elapsedMs)}, seed ${seed} (fast-check seed ${outcome.fastCheckSeed})`,
    `${session.calls} case_cancel calls (${rate.toFixed(0)} a second); ${outcome.validation.requests} requests validated ahead in ${outcome.validation.batches} batch(es), ${Math.round(outcome.validation.ms)} ms`,
    ...asFound,
    `answers: ${answers.join(', ') || 'none'}`,
  ].join('; ');
}

/** The ports seen to move by themselves between two calls (not a failure: as-found.md). */
function moves(session: FuzzSession): string {
  const moved = [...session.movedBetweenCalls].map(([port, how]) => `port ${port}: ${how}`);
  return moved.length === 0
    ? ''
    : `; the site moved by itself between calls (not a failure): ${moved.join('; ')}`;
}

/** Port ids in words, the first 20 of them. */
function listed(ids: readonly number[]): string {
  const shown = ids.slice(0, 20).join(', ');
  return ids.length > 20 ? `${shown} and ${ids.length - 20} more` : shown;
}

/** Says so when nearly every answer was the same: the property then tested one check, not the spec. */
export function diagnose(key: string, session: FuzzSession, intended?: string): string | undefined {
  const total = session.calls;
  const [kind, count] = spread(session)[0] ?? ['', 0];
  if (total < DIAGNOSIS_MIN_CALLS || count / total < DOMINANT_SHARE || kind === intended) return undefined;
  const asFound = session.playedPorts.length > 0;
  const hint =
    kind === 'fault 1000' && session.hasRig
      ? 'the ports it calls do not exist: does the rig apply PUT /ports?'
      : asFound
        ? 'the site as found offers little else to probe: the ports read stand alike'
        : kind === 'fault 1000'
          ? 'without a rig no port is arranged, so the answers past the parameter checks are mostly "no such port"'
          : 'the generators or the arrangement reach little else on this target';
  return `fuzz ${key}: ${count} of ${total} answers (${percent(count, total)}) were ${kind}; the property exercised little else (${hint})`;
}

/** The command that replays exactly one counterexample (`path`), or the whole property (no path: the seed does). */
function replay(world: HarnessWorld, path?: string): string {
  const prefix = world.run.rerunPrefix.replace(/\s--fuzz-path=\S+/g, '');
  // --tags keeps the other feature files out even where cucumber adds its configured paths to the one given
  const scenario = world.place ? `${world.place.uri}:${world.place.line}` : 'features/fuzz.feature';
  const place = `--tags @fuzz ${scenario}`;
  return path === undefined ? `${prefix} ${place}` : `${prefix} --fuzz-path=${path} ${place}`;
}

/**
 * The property as this run plays it: as written with a rig; without one, on the site as found when discovery read
 * it and the property has a variant for it; else as written when it needs no rig. Or why it cannot run.
 */
export function propertyToPlay<T>(
  property: FuzzProperty<T>,
  run: Pick<RunConfig, 'rigUrl' | 'site'>,
): FuzzProperty<unknown> | { readonly cannot: string } {
  if (run.rigUrl) return property;
  if (run.site && property.asFound) {
    const found = property.asFound(new FoundSite(run.site));
    return typeof found === 'string' ? { cannot: found } : found;
  }
  if (!property.needsRig) return property;
  return { cannot: property.missing ?? `the property "${property.title}" needs a rig (--rig=URL)` };
}

/** Runs the property in the scenario's encoding; one that cannot run on this target reports INCONCLUSIVE, saying why. */
export async function runFuzzProperty<T>(
  world: HarnessWorld,
  property: FuzzProperty<T>,
  encoding: Encoding,
): Promise<StepOutcome> {
  const rigUrl = world.run.rigUrl;
  const played = propertyToPlay(property, world.run);
  if ('cannot' in played) return world.skip({ verdict: 'INCONCLUSIVE', reason: played.cannot });
  // the scenario's reset, held by a rig arranger until something is sent, goes before the property's own requests
  await world.settleArrangement();
  const session = new FuzzSession(
    world.target,
    encoding,
    rigUrl ? { url: rigUrl, token: readRigToken() } : undefined,
    world.logExpectMs,
    world.recentArrangements,
    world.arrangementReports,
  );
  // every exchange goes to the run's exchange log (certification evidence), a batch of lines at a time (the end of
  // the property writes the rest, whatever its end); only a counterexample's go to the report
  // as found: how the scenarios (or discovery) last read each port, so that a port that moved since is known to move
  if (!rigUrl && world.asFound) {
    const player = world.asFound;
    session.lastKnown = (port) => player.known(port);
  }
  const log = world.keepBatch();
  if (log) session.onExchange = (exchange) => log.add(exchange);
  const seed = world.run.seed;
  let outcome: CheckOutcome;
  try {
    outcome = await checkProperty(played, session, {
      seed,
      runs: world.run.fuzzRuns,
      path: world.run.fuzzPath,
    });
  } catch (error) {
    if (!(error instanceof CannotJudge)) throw error;
    world.log(`fuzz ${played.id}: ${error.message}`);
    return world.skip({
      verdict: 'INCONCLUSIVE',
      reason: error.by === 'rig' ? error.message : `the site as found could not be read: ${error.message}`,
    });
  } finally {
    log?.close();
  }
  world.log(summarise(played.title, session, outcome, seed));
  const warning = diagnose(outcome.key, session, played.intended?.(session.hasRig));
  if (warning) {
    world.log(warning);
    console.warn(`\n${warning}`);
  }
  if (outcome.runs === 0 && outcome.interrupted) {
    return world.skip({
      verdict: 'INCONCLUSIVE',
      reason: `no run of the property ended within its time limit of ${seconds(outcome.timeLimitMs)}: the target answers too slowly`,
    });
  }
  const counterexample = outcome.counterexample;
  const messages: string[] = [];
  if (counterexample) {
    const command = replay(world, counterexample.path);
    const how = outcome.replayed ? 'replayed' : `found at run ${counterexample.foundAtRun}`;
    const message = [
      `the controller and the specification disagree (${counterexample.message.replace(/^Then /, '')}); replay: ${command}`,
      `minimal counterexample (seed ${seed}, path ${counterexample.path}, ${how}, shrunk ${counterexample.shrinks} times):`,
      ...counterexample.steps.map((step) => `  ${step}`),
      'replay exactly this counterexample with:',
      `  ${command}`,
    ].join('\n');
    messages.push(message);
    world.attach(counterexample.steps.join('\n'), {
      mediaType: 'text/plain',
      fileName: 'minimal counterexample',
    });
    for (const exchange of counterexample.exchanges) world.record(exchange);
  }
  if (outcome.changed.length > 0) {
    const command = replay(world);
    messages.push(
      [
        `the property changed the site it only probed (seed ${seed}): ${outcome.changed.join('; ')}; replay: ${command}`,
        ...outcome.changed.map((line) => `  ${line}`),
        'replay the whole property with:',
        `  ${command}`,
      ].join('\n'),
    );
  }
  const message = messages.length > 0 ? messages.join('\n') : undefined;
  results.set(world, { title: played.title, encoding, outcome, message });
  return undefined;
}

/** Fails the scenario with the counterexample when the property found one. */
export function expectAgreement(world: HarnessWorld): void {
  const result = results.get(world);
  if (!result) throw new Error('harness bug: no property ran in this scenario before its verdict was asked');
  if (result.message) throw new AssertionError(result.message);
}
