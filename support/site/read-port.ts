// Reading one port through the Task Interface's read methods: getportstatus, then case_getstate on an AutoCase
// port. Both change nothing, so they may be sent to any controller at any time (docs/spec/as-found.md).

import {
  CASE_STATES,
  type CallResult,
  type CaseState,
  type Exchange,
  PORT_MODES,
  PORT_TYPES,
  type PortMode,
  type PortType,
  type TargetConfig,
} from '../model.ts';
import { failureKind } from '../wire/failures.ts';
import { callTask } from '../wire/task-call.ts';
import type { FoundPort } from './site-map.ts';

/**
 * Why a port could not be read: the target did not answer, answered in a shape the harness cannot read, or
 * answered well with a port_type or port_mode the harness does not know (`unclassified`: the vendor documents no
 * closed list, so such a port is left out, and is no sign that the site cannot be read).
 */
export interface ReadProblem {
  readonly problem: 'transport' | 'timeout' | 'shape' | 'unclassified';
  readonly reason: string;
}

export function isReadProblem(value: unknown): value is ReadProblem {
  return typeof value === 'object' && value !== null && 'problem' in value && 'reason' in value;
}

export interface ReadOptions {
  readonly record?: (exchange: Exchange) => void;
  /** Prefix of the exchanges' labels (default "read"). */
  readonly label?: string;
}

function transportProblem(method: string, portId: number, result: CallResult): ReadProblem | undefined {
  const error = result.exchange.error;
  if (error === undefined) return undefined;
  const timeout = failureKind(result.exchange) === 'timeout';
  return { problem: timeout ? 'timeout' : 'transport', reason: `${method} of port ${portId}: ${error}` };
}

function shapeProblem(method: string, portId: number, what: string): ReadProblem {
  return { problem: 'shape', reason: `${method} of port ${portId} answers ${what}` };
}

/** The port as getportstatus and case_getstate show it; null when getportstatus answers 1000 (no such port). */
export async function readPort(
  target: TargetConfig,
  portId: number,
  options: ReadOptions = {},
): Promise<FoundPort | null | ReadProblem> {
  const label = options.label ?? 'read';
  const call = (method: string) =>
    callTask(target, method, { port_id: portId }, 'XML', {
      label: `${label}: ${method} of port ${portId}`,
      record: options.record,
    });
  const status = await call('getportstatus');
  const failed = transportProblem('getportstatus', portId, status);
  if (failed) return failed;
  const answer = status.answer;
  if (answer?.kind === 'fault') {
    if (answer.code === 1000) return null;
    return shapeProblem('getportstatus', portId, `fault ${answer.code}`);
  }
  if (!answer) return shapeProblem('getportstatus', portId, status.problems.join('; ') || 'nothing readable');
  const type = answer.params.port_type as PortType;
  const mode = answer.params.port_mode as PortMode;
  const binText = answer.params.selected_bin;
  const bin = binText === undefined || binText.trim() === '' ? null : Number(binText);
  const knownCodes = PORT_TYPES.includes(type) && PORT_MODES.includes(mode);
  const binRead = bin === null || (Number.isInteger(bin) && bin >= 1);
  // A well-formed code outside the harness's lists: the vendor documents no closed list, so the port is left out.
  const code = /^[A-Z][A-Z0-9_]{0,39}$/;
  if (
    !knownCodes &&
    binRead &&
    typeof type === 'string' &&
    typeof mode === 'string' &&
    code.test(type) &&
    code.test(mode)
  ) {
    return {
      problem: 'unclassified',
      reason: `getportstatus of port ${portId} answers port_type ${type}, port_mode ${mode}: ${PORT_TYPES.includes(type) ? 'a mode' : 'a type'} the harness does not know, so the port is not used`,
    };
  }
  if (!knownCodes || !binRead) {
    return shapeProblem(
      'getportstatus',
      portId,
      `${JSON.stringify(answer.params)}: not a port_type, port_mode and selected_bin the harness can read`,
    );
  }
  if (type !== 'AC') return { port_id: portId, type, mode, selected_bin: bin };
  const state = await call('case_getstate');
  const stateFailed = transportProblem('case_getstate', portId, state);
  if (stateFailed) return stateFailed;
  const caseAnswer = state.answer;
  if (caseAnswer?.kind !== 'success') {
    return shapeProblem(
      'case_getstate',
      portId,
      caseAnswer ? `fault ${caseAnswer.code}` : state.problems.join('; ') || 'nothing readable',
    );
  }
  const caseState = caseAnswer.params.case_state as CaseState;
  if (!CASE_STATES.includes(caseState))
    return shapeProblem(
      'case_getstate',
      portId,
      `case_state ${JSON.stringify(caseAnswer.params.case_state)}`,
    );
  return { port_id: portId, type, mode, selected_bin: bin, case_state: caseState };
}

/** Two readings of one port agree in everything the read methods show. */
export function samePort(a: FoundPort | null, b: FoundPort | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.type === b.type &&
    a.mode === b.mode &&
    a.selected_bin === b.selected_bin &&
    a.case_state === b.case_state
  );
}

export function describeFound(port: FoundPort | null): string {
  if (port === null) return 'does not exist (getportstatus answers 1000)';
  const parts: string[] = [port.type, port.mode];
  parts.push(port.selected_bin === null ? 'no bin selected' : `bin ${port.selected_bin} selected`);
  if (port.case_state !== undefined) parts.push(`case ${port.case_state}`);
  return parts.join(', ');
}

/** How a port that changed right after a call is watched for moving again (movesAgain): reads, and the gap between. */
export const WATCH_MOVING = { reads: 8, gapMs: 25 } as const;

/**
 * A port read otherwise right after a call than right before it: either the call changed it, or the site moved it in
 * that moment (as-found.md: a port that moved meanwhile is no failure). A call's change stays; a live port moves on.
 * So it is read again, up to `reads` times `gapMs` apart: the first reading that differs from `after` (the site moves
 * it by itself, in words), or undefined when it stood still (the change is the call's, as far as can be told).
 * Only after such a change: a faithful controller costs nothing. A read that fails ends the watch (undefined).
 */
export async function movesAgain(
  read: () => Promise<FoundPort | null | ReadProblem | { readonly reason: string }>,
  after: FoundPort | null,
  watch: { readonly reads: number; readonly gapMs: number } = WATCH_MOVING,
): Promise<string | undefined> {
  for (let i = 0; i < watch.reads; i++) {
    await new Promise((resolve) => setTimeout(resolve, watch.gapMs));
    const now = await read();
    if (now !== null && 'reason' in now) return undefined;
    if (!samePort(after, now))
      return `it moved again ${(i + 1) * watch.gapMs} ms later, with no call: ${describeFound(after)}, then ${describeFound(now)}`;
  }
  return undefined;
}
