// Building blocks of a decision: answers, and a site with one port changed. Pure.

import {
  ACTIVE_CASE_STATES,
  type Answer,
  type AnswerValue,
  type Decision,
  type PortState,
  type SiteState,
} from './types.ts';

export function fault(code: number): Answer {
  return { kind: 'fault', code };
}

export function success(params: ReadonlyArray<readonly [string, AnswerValue]> = []): Answer {
  return { kind: 'success', params };
}

/** No Log Publisher lines: one array for every decision that publishes none (nothing writes to it). */
const NO_LINES: readonly string[] = Object.freeze([]);

/** A decision that changes nothing. */
export function unchanged(state: SiteState, answer: Answer): Decision {
  return { answer, state, published: NO_LINES };
}

/** A decision that moves the site to a new state, publishing the given Log Publisher lines. */
export function committed(
  state: SiteState,
  answer: Answer,
  published: readonly string[] = NO_LINES,
): Decision {
  return { answer, state, published };
}

/** A fault: nothing changes. */
export function refused(state: SiteState, code: number): Decision {
  return unchanged(state, fault(code));
}

export function withPort(state: SiteState, portId: number, port: PortState): SiteState {
  const ports = new Map(state.ports);
  ports.set(portId, port);
  return { ...state, ports };
}

/** An AutoCase operation is going on (EREQ, ERSO, IREQ, IRTR, ICRC, ICIN). */
export function isActive(port: PortState): boolean {
  return ACTIVE_CASE_STATES.includes(port.case_state);
}

/** [emulator decision] The bin_id an AC line carries when the port has no bin selected (bin ids start at 1). */
export const NO_BIN = 0;

/** The AC line for a port whose AutoCase state is now `port.case_state`. */
export function autoCaseLine(portId: number, port: PortState): string {
  return `AC,${portId},${port.selected_bin ?? NO_BIN},${port.case_state}`;
}
