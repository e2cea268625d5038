// The live site: the current state, the configured state to reset to, and the Log Publisher lines.

import { decide } from './decide.ts';
import type { Deviations } from './deviations.ts';
import type { Answer, Call, PortState, SiteState } from './types.ts';

/** Lines kept since the last reset; beyond this the oldest are dropped so memory stays bounded. */
export const MAX_EVENTS = 100_000;

export class SiteStore {
  readonly #configured: SiteState;
  #state: SiteState;
  #events: string[] = [];
  /** Lines published since the start, resets included: a call published something when it moved on. */
  #publishedCount = 0;

  constructor(configured: SiteState) {
    this.#configured = configured;
    this.#state = configured;
  }

  get state(): SiteState {
    return this.#state;
  }

  /** Decides a call and commits its effect in one synchronous step, so concurrent calls never interleave. */
  apply(call: Call, deviations: Deviations): Answer {
    const decision = decide(this.#state, call, deviations);
    this.#state = decision.state;
    if (decision.published.length > 0) {
      this.#publishedCount += decision.published.length;
      this.#events.push(...decision.published);
      if (this.#events.length > MAX_EVENTS) this.#events.splice(0, this.#events.length - MAX_EVENTS);
    }
    return decision.answer;
  }

  /** How many Log Publisher lines were published since the start; never goes back, not even on a reset. */
  get publishedCount(): number {
    return this.#publishedCount;
  }

  reset(): void {
    this.#state = this.#configured;
    this.#events = [];
  }

  port(portId: number): PortState | undefined {
    return this.#state.ports.get(portId);
  }

  putPort(portId: number, port: PortState): void {
    const ports = new Map(this.#state.ports);
    ports.set(portId, port);
    this.#state = { ...this.#state, ports };
  }

  deletePort(portId: number): void {
    if (!this.#state.ports.has(portId)) return;
    const ports = new Map(this.#state.ports);
    ports.delete(portId);
    this.#state = { ...this.#state, ports };
  }

  events(): readonly string[] {
    return [...this.#events];
  }
}
