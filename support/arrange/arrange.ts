// Bringing a target into a scenario's precondition, and reading its state back, by whatever means it offers.

import type { PortState } from '../model.ts';
import { misarranged, notAsAsked } from './as-asked.ts';
import { checkStep, type GetStep, portsRead, type RigClient, type RigResult, type RigStep } from './rig.ts';

/** Why a precondition could not be reached, in the verdict words of docs/architecture.md. */
export interface Unreachable {
  readonly verdict: 'NOT APPLICABLE' | 'INCONCLUSIVE';
  readonly reason: string;
}

/** What a target's port looks like from outside: its state, "no such port", or that it cannot be read. */
export type PortReading =
  | { readonly exists: true; readonly state: PortState }
  | { readonly exists: false }
  | Unreachable;

/**
 * What a target shows of a port when some fields cannot be read (the Task Interface never shows the AutoCase
 * error flag): the fields it shows, and the names of the ones it does not.
 */
export type PortView =
  | {
      readonly exists: true;
      readonly fields: Partial<PortState>;
      readonly unreadable: readonly (keyof PortState)[];
    }
  | { readonly exists: false }
  | Unreachable;

export interface Arranger {
  /** Forget what earlier scenarios did: back to the configured site, no events. */
  reset(): Promise<void>;
  /** The port exists with exactly this state. */
  port(portId: number, state: PortState): Promise<Unreachable | undefined>;
  /** The port does not exist. */
  noPort(portId: number): Promise<Unreachable | undefined>;
  read(portId: number): Promise<PortReading>;
  /**
   * The Log Publisher lines since the reset, or why they cannot be read. fresh: read again now, not what an earlier
   * read of the same moment showed (a line may be published a moment after the answer).
   */
  events(options?: { readonly fresh?: boolean }): Promise<readonly string[] | Unreachable>;
  /** The port as far as this arranger can read it (when it cannot read every field; see viewPort). */
  view?(portId: number): Promise<PortView>;
  /**
   * The target's port that plays the scenario's port `portId` (a fixture may stand in for it); the scenario's
   * own id when nothing stands in.
   */
  targetPort?(portId: number): number;
  /** Before a Task Interface call: whatever the arranger holds back is done now, and nothing read before is reused. */
  settle?(): Promise<void>;
  /**
   * The ports this scenario arranged, as the reset left them (read right after it, before they were written): a rig
   * may publish what its reset restored a moment after it answered, after the call even. Null: no such port.
   */
  restored?(): ReadonlyMap<number, PortState | null>;
  /**
   * Before the call: whether every port arranged since the reset reads as it was asked to be (read with the events
   * before the call where the rig takes a batch), or why not (INCONCLUSIVE: the rig's failing, not the controller's).
   */
  verify?(): Promise<Unreachable | undefined>;
}

/** The port as the arranger can read it: every field from read(), or what view() shows. */
export async function viewPort(arranger: Arranger, portId: number): Promise<PortView> {
  if (arranger.view) return arranger.view(portId);
  const reading = await arranger.read(portId);
  if (isUnreachable(reading) || !reading.exists) return reading;
  return { exists: true, fields: reading.state, unreadable: [] };
}

/**
 * A target with the rig control API (rig-control.md): everything can be arranged and read.
 *
 * Writes (the reset, each arrangement) are held until something is read or the Task Interface is called
 * (settle()), and then go in order, with the read, in one `POST /batch` where the rig takes one: a scenario's
 * reset, arrangement and "events before the call" are one request, its read-backs after the call another. A
 * read after the last write reads the Log Publisher lines and every port written since the reset in the same
 * batch, and later reads are answered from it until the next write or call: the steps run with nothing in
 * between, so what they show is what separate reads right after one another would show. A rig without the
 * endpoint, or one that refuses the batch, gets the same requests one at a time, in the same order, and only
 * the reads asked for.
 */
export class RigArranger implements Arranger {
  private pending: RigStep[] = [];
  /** The ports written since the reset: read with the events after the call. */
  private readonly written = new Set<number>();
  private read_:
    | { readonly events: string[]; readonly ports: Map<number, PortState | undefined> }
    | undefined;

  /** What each port written since the reset was asked to be (null: taken away), to verify() it. */
  private readonly asked = new Map<number, PortState | null>();
  /** The written ports as the reset left them (restored()). */
  private readonly restoredStates = new Map<number, PortState | null>();
  /** The reads among the pending steps that see a port as the reset left it. */
  private restoreReads: GetStep[] = [];

  constructor(
    private readonly rig: RigClient,
    private readonly options: {
      /**
       * Whether the rig publishes what its reset restores (rig-reports.ts): only then is each written port read right
       * after the reset (restored()), since only then may a line report it. Yes when not said.
       */
      readonly resetReports?: boolean;
    } = {},
  ) {}

  async reset(): Promise<void> {
    this.pending = [{ op: 'reset' }];
    this.written.clear();
    this.asked.clear();
    this.read_ = undefined;
    this.restoredStates.clear();
    this.restoreReads = [];
  }

  restored(): ReadonlyMap<number, PortState | null> {
    return this.restoredStates;
  }

  async port(portId: number, state: PortState): Promise<undefined> {
    this.write({ op: 'put', portId, state });
    this.asked.set(portId, { ...state });
    return undefined;
  }

  async noPort(portId: number): Promise<undefined> {
    this.write({ op: 'delete', portId });
    this.asked.set(portId, null);
    return undefined;
  }

  async verify(): Promise<Unreachable | undefined> {
    const clauses: string[] = [];
    for (const [portId, asked] of this.asked) {
      const read = await this.read(portId);
      const clause = notAsAsked(portId, asked, 'state' in read ? read.state : undefined);
      if (clause) clauses.push(clause);
    }
    return clauses.length === 0 ? undefined : { verdict: 'INCONCLUSIVE', reason: misarranged(clauses) };
  }

  async read(portId: number): Promise<PortReading> {
    if (this.read_?.ports.has(portId)) return reading(this.read_.ports.get(portId));
    const { state } = await this.fetch({ op: 'get', portId });
    return reading(state);
  }

  async events(options: { readonly fresh?: boolean } = {}): Promise<readonly string[]> {
    if (options.fresh === true && this.pending.length === 0) {
      // only the events: the ports read with them stand as they did
      const segments = await this.rig.events();
      if (this.read_) this.read_ = { ...this.read_, events: segments };
      return segments;
    }
    if (this.read_) return this.read_.events;
    const { segments } = await this.fetch({ op: 'events' });
    return segments ?? [];
  }

  /** Before a Task Interface call: the held writes are sent, and what was read is forgotten. */
  async settle(): Promise<void> {
    this.read_ = undefined;
    if (this.pending.length === 0) return;
    this.takeRestored(this.pending, await this.rig.steps(this.pending));
    this.pending = [];
  }

  private write(step: RigStep & { readonly portId: number }): void {
    checkStep(step);
    // the port as the reset leaves it, read in the same request before it is written (restored())
    // (a port written since the reset was read then)
    if (
      this.options.resetReports !== false &&
      this.pending[0]?.op === 'reset' &&
      !this.written.has(step.portId)
    ) {
      const read: GetStep = { op: 'get', portId: step.portId };
      this.pending.splice(1 + this.restoreReads.length, 0, read);
      this.restoreReads.push(read);
    }
    this.pending.push(step);
    this.written.add(step.portId);
    this.read_ = undefined;
  }

  /**
   * The held writes and the reads in one batch (what it read is kept in read_); without a batch, the writes and
   * then the one read asked for, a request each. What the asked read shows.
   */
  private async fetch(
    asked: RigStep & { readonly op: 'get' | 'events' },
  ): Promise<{ readonly state?: PortState; readonly segments?: string[] }> {
    const ports = new Set(this.written);
    if (asked.op === 'get') ports.add(asked.portId);
    const reads: RigStep[] = [
      { op: 'events' },
      ...[...ports].map((portId) => ({ op: 'get' as const, portId })),
    ];
    const steps = [...this.pending, ...reads];
    // one step alone goes to its own endpoint, which says plainly what it is
    const results = steps.length > 1 ? await this.rig.batch(steps) : undefined;
    if (results) {
      const got = results.slice(this.pending.length);
      this.takeRestored(steps, results);
      this.pending = [];
      let events: string[] = [];
      const read = new Map<number, PortState | undefined>();
      reads.forEach((step, i) => {
        const result = got[i];
        if (step.op === 'get' && result?.op === 'get') read.set(step.portId, result.state);
        if (result?.op === 'events') events = result.segments;
      });
      this.read_ = { events, ports: read };
      return asked.op === 'events' ? { segments: events } : { state: read.get(asked.portId) };
    }
    const alongside = [...this.pending, asked];
    const each = await this.rig.oneByOne(alongside);
    this.takeRestored(alongside, each);
    this.pending = [];
    const alone = each.at(-1);
    return alone?.op === 'events'
      ? { segments: alone.segments }
      : { state: alone?.op === 'get' ? alone.state : undefined };
  }

  /** What the restore reads among `steps` saw (`results` answer `steps`). */
  private takeRestored(steps: readonly RigStep[], results: readonly RigResult[]): void {
    for (const [portId, state] of portsRead(this.restoreReads, steps, results))
      this.restoredStates.set(portId, state);
    this.restoreReads = [];
  }
}

function reading(state: PortState | undefined): PortReading {
  return state === undefined ? { exists: false } : { exists: true, state };
}

export const NO_RIG =
  'the target has no rig to arrange or read port state (give --rig=URL of a rig that implements rig-control.md, or a --target-profile that allows capabilities.task_interface_arrangement)';

/** A target with nothing to arrange it by: every precondition is INCONCLUSIVE, with the reason given. */
export class NoArranger implements Arranger {
  constructor(private readonly reason: string = NO_RIG) {}

  async reset(): Promise<void> {}

  async port(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }

  async noPort(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }

  async read(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }

  async events(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }
}

export function isUnreachable(value: unknown): value is Unreachable {
  return typeof value === 'object' && value !== null && 'verdict' in value && 'reason' in value;
}
