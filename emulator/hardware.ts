// The AutoCase hardware, when asked for (--hardware-ms, the site's hardware_ms): every AutoCase port with an
// operation under way and no error moves one state on every N ms by itself, as a port's hardware would, publishing
// each step. Off by default, and so in every harness run: arranged states stay put.

import type { SiteStore } from './store.ts';
import type { CaseState } from './types.ts';

/** Extraction EREQ → ERSO → ECMP; insertion IREQ → IRTR → ICRC → ICIN → ICMP (docs/spec/case_cancel.md). */
const NEXT_CASE_STATE: Readonly<Partial<Record<CaseState, CaseState>>> = {
  EREQ: 'ERSO',
  ERSO: 'ECMP',
  IREQ: 'IRTR',
  IRTR: 'ICRC',
  ICRC: 'ICIN',
  ICIN: 'ICMP',
};

/** The state the hardware moves a case to next; undefined where it stays (NOOP, ECMP, ICMP). */
export function nextCaseState(state: CaseState): CaseState | undefined {
  return NEXT_CASE_STATE[state];
}

/** Timers, replaceable in tests so that nothing there depends on the clock. */
export interface Scheduler {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Scheduler = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Moves the AutoCase ports of a store. At most one timer a port (so at most 2000): any change to a port from
 * outside (a call such as a cancel, a rig PUT or DELETE, a reset) clears its timer, and the clock starts again from
 * the state the port is left in; a port in error, or at NOOP, ECMP or ICMP, has none.
 */
export class AutoCaseHardware {
  readonly #store: SiteStore;
  readonly #stepMs: number;
  readonly #scheduler: Scheduler;
  readonly #timers = new Map<number, unknown>();
  readonly #stopListening: () => void;
  #stopped = false;

  constructor(store: SiteStore, stepMs: number, scheduler: Scheduler = REAL_TIMERS) {
    if (!Number.isInteger(stepMs) || stepMs <= 0)
      throw new Error(`the hardware step must be a positive integer of ms, not ${stepMs}`);
    this.#store = store;
    this.#stepMs = stepMs;
    this.#scheduler = scheduler;
    this.#stopListening = store.onChange((portIds) => this.#changed(portIds));
    this.#changed('all');
  }

  /** How many ports are moving (a timer pending). */
  get moving(): number {
    return this.#timers.size;
  }

  #changed(portIds: readonly number[] | 'all'): void {
    if (this.#stopped) return;
    if (portIds === 'all') {
      for (const handle of this.#timers.values()) this.#scheduler.clear(handle);
      this.#timers.clear();
      for (const portId of this.#store.state.ports.keys()) this.#consider(portId);
      return;
    }
    for (const portId of portIds) {
      const handle = this.#timers.get(portId);
      if (handle !== undefined) {
        this.#scheduler.clear(handle);
        this.#timers.delete(portId);
      }
      this.#consider(portId);
    }
  }

  /** Starts the clock for a port that stands in a state the hardware moves on from. */
  #consider(portId: number): void {
    const port = this.#store.port(portId);
    if (port === undefined || port.type !== 'AC' || port.case_error) return;
    const from = port.case_state;
    const to = nextCaseState(from);
    if (to === undefined) return;
    const handle = this.#scheduler.set(() => {
      this.#timers.delete(portId);
      // The store publishes the step and tells every change listener, this one too: the next step starts there.
      this.#store.moveCase(portId, from, to);
    }, this.#stepMs);
    this.#timers.set(portId, handle);
  }

  /** Clears every timer; nothing moves any more. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopListening();
    for (const handle of this.#timers.values()) this.#scheduler.clear(handle);
    this.#timers.clear();
  }
}
