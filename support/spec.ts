// The harness's own reading of docs/spec/case_cancel.md: ranges, codes, states. Never taken from emulator/.
import type { CaseState } from './model.ts';

export const PORT_ID = { min: 1, max: 2000 } as const;
export const BIN_ID = { min: 1, max: 4_000_000 } as const;

export const RANGES: Readonly<Record<string, { readonly min: number; readonly max: number }>> = {
  port_id: PORT_ID,
  bin_id: BIN_ID,
};

export function inRange(name: string, value: number): boolean {
  const range = RANGES[name];
  return range === undefined || (Number.isInteger(value) && value >= range.min && value <= range.max);
}

/** [doc] The two case operations, each state after the one before it: extraction and insertion. */
export const CASE_PATHS: readonly (readonly CaseState[])[] = [
  ['EREQ', 'ERSO', 'ECMP'],
  ['IREQ', 'IRTR', 'ICRC', 'ICIN', 'ICMP'],
];

/** The states an operation passes through before `state`, in order (none for NOOP or a first state). */
export function statesBefore(state: CaseState): readonly CaseState[] {
  for (const path of CASE_PATHS) {
    const at = path.indexOf(state);
    if (at >= 0) return path.slice(0, at);
  }
  return [];
}

/** [decided] An operation is active in these states; NOOP, ECMP and ICMP are not. */
export const ACTIVE_CASE_STATES: readonly CaseState[] = ['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN'];

export const FAULT = {
  PORT_NOT_AVAILABLE: 1000,
  PORT_ID_MISSING: 1003,
  PORT_ID_INVALID: 1004,
  BIN_ID_INVALID: 1010,
  NOT_AUTOCASE: 1087,
  WRONG_MODE: 1099,
  NOT_SELECTED_BIN: 1149,
  NO_ACTIVE_OPERATION: 1152,
  NO_ERROR: 1153,
} as const;

/** The Log Publisher line a successful cancel publishes. */
export function cancelledLine(portId: number, binId: number): string {
  return `AC,${portId},${binId},NOOP`;
}

/**
 * [doc] "CR: a request to cancel, a signal rather than a state": the line a controller may publish for a cancel
 * request, beside the NOOP line of the cancel that succeeded.
 */
export function cancelSignalLine(portId: number, binId: number): string {
  return `AC,${portId},${binId},CR`;
}

/**
 * `lines` without the cancel signals the successful cancels of `owed` may have published: for each NOOP line of a
 * successful cancel in `owed` (cancelledLine), the first `AC,<port>,<bin>,CR` of the same port and bin (at most one,
 * before or after it). Any other line stays, to be judged: a second signal, a signal of a fault, another state.
 */
export function withoutCancelSignals<Line>(
  lines: readonly Line[],
  owed: readonly string[],
  text: (line: Line) => string,
): Line[] {
  const left = [...lines];
  for (const line of owed) {
    const cancelled = /^AC,(\d+),(\d+),NOOP$/.exec(line);
    if (!cancelled) continue;
    const signal = cancelSignalLine(Number(cancelled[1]), Number(cancelled[2]));
    const at = left.findIndex((seen) => text(seen) === signal);
    if (at >= 0) left.splice(at, 1);
  }
  return left;
}
