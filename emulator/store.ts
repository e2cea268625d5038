// The live site: the current state, the configured state to reset to, and the Log Publisher lines.

import { decide } from './decide.ts';
import type { Deviations } from './deviations.ts';
import { autoCaseLine } from './outcome.ts';
import type { Answer, Call, CaseState, PortState, SiteState } from './types.ts';

/** Lines kept since the last reset; beyond this the oldest are dropped so memory stays bounded. */
export const MAX_EVENTS = 100_000;

/** How long after its answer a decision's publishedLater lines go out (as from a publisher task of its own). */
export const LATER_MS = 40;

/** Called with the lines just published, in order, at once (the Log Publisher's clients). */
export type PublishListener = (lines: readonly string[]) => void;
/** Called after ports changed: their ids, or 'all' after a reset (the AutoCase hardware). */
export type ChangeListener = (portIds: readonly number[] | 'all') => void;

/** The AutoCase state a port reports: its case_state if it is an AutoCase port, NOOP if it is not or is absent. */
function autoCaseState(port: PortState | undefined): CaseState {
  return port?.type === 'AC' ? port.case_state : 'NOOP';
}

/** The ports whose state differs between two sites (a decision replaces only the ports it changes). */
function changedPorts(
  before: ReadonlyMap<number, PortState>,
  after: ReadonlyMap<number, PortState>,
): number[] {
  const changed: number[] = [];
  for (const [portId, port] of after) if (before.get(portId) !== port) changed.push(portId);
  for (const portId of before.keys()) if (!after.has(portId)) changed.push(portId);
  return changed;
}

export class SiteStore {
  readonly #configured: SiteState;
  #state: SiteState;
  #events: string[] = [];
  /** Lines published since the start, resets included: a call published something when it moved on. */
  #publishedCount = 0;
  readonly #publishListeners = new Set<PublishListener>();
  readonly #changeListeners = new Set<ChangeListener>();

  constructor(configured: SiteState) {
    this.#configured = configured;
    this.#state = configured;
  }

  get state(): SiteState {
    return this.#state;
  }

  /** Decides a call and commits its effect in one synchronous step, so concurrent calls never interleave. */
  apply(call: Call, deviations: Deviations): Answer {
    const before = this.#state;
    const decision = decide(before, call, deviations);
    this.#state = decision.state;
    this.#publish(decision.published);
    const later = decision.publishedLater;
    if (later !== undefined && later.length > 0) setTimeout(() => this.#publish(later), LATER_MS).unref();
    if (this.#changeListeners.size > 0 && decision.state.ports !== before.ports)
      this.#changed(changedPorts(before.ports, decision.state.ports));
    return decision.answer;
  }

  /**
   * The one place lines are published: into the event log (the rig's GET /events) and, in the same synchronous
   * step, to every publish listener (the Log Publisher's stream), so the two never disagree.
   */
  #publish(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.#publishedCount += lines.length;
    this.#events.push(...lines);
    if (this.#events.length > MAX_EVENTS) this.#events.splice(0, this.#events.length - MAX_EVENTS);
    for (const listener of this.#publishListeners) listener(lines);
  }

  #changed(portIds: readonly number[] | 'all'): void {
    if (portIds !== 'all' && portIds.length === 0) return;
    for (const listener of this.#changeListeners) listener(portIds);
  }

  /** Every line published from now on, as it is published. Returns the function that stops it. */
  onPublish(listener: PublishListener): () => void {
    this.#publishListeners.add(listener);
    return () => this.#publishListeners.delete(listener);
  }

  /** Every change of ports from now on (calls, the rig, the hardware). Returns the function that stops it. */
  onChange(listener: ChangeListener): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** How many Log Publisher lines were published since the start; never goes back, not even on a reset. */
  get publishedCount(): number {
    return this.#publishedCount;
  }

  /** Back to the configured site, the event log emptied. Publishes nothing: the rig rewinds, no port moved. */
  reset(): void {
    this.#state = this.#configured;
    this.#events = [];
    this.#changed('all');
  }

  port(portId: number): PortState | undefined {
    return this.#state.ports.get(portId);
  }

  /**
   * The rig's PUT: the port now stands exactly so. When its AutoCase state changes (an absent port or one of
   * another type counts as NOOP before; only an AC port reports one after), `AC,<port>,<bin>,<state>` is published.
   */
  putPort(portId: number, port: PortState): void {
    const before = this.#state.ports.get(portId);
    const ports = new Map(this.#state.ports);
    ports.set(portId, port);
    this.#state = { ...this.#state, ports };
    if (port.type === 'AC' && autoCaseState(before) !== port.case_state)
      this.#publish([autoCaseLine(portId, port)]);
    this.#changed([portId]);
  }

  /** The rig's DELETE. Publishes nothing: the vendor has no line for a port that goes away. */
  deletePort(portId: number): void {
    if (!this.#state.ports.has(portId)) return;
    const ports = new Map(this.#state.ports);
    ports.delete(portId);
    this.#state = { ...this.#state, ports };
    this.#changed([portId]);
  }

  /**
   * The AutoCase hardware moves a port one step, from `from` to `to`, publishing the AC line; only when the port
   * is still an AutoCase port at `from` without error. Whether it moved.
   */
  moveCase(portId: number, from: CaseState, to: CaseState): boolean {
    const port = this.#state.ports.get(portId);
    if (port === undefined || port.type !== 'AC' || port.case_error || port.case_state !== from) return false;
    const moved: PortState = { ...port, case_state: to };
    const ports = new Map(this.#state.ports);
    ports.set(portId, moved);
    this.#state = { ...this.#state, ports };
    this.#publish([autoCaseLine(portId, moved)]);
    this.#changed([portId]);
    return true;
  }

  events(): readonly string[] {
    return [...this.#events];
  }
}
