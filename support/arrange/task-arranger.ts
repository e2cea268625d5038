// Arranging a scenario's ports without a rig, through the Task Interface (docs/spec/task-methods.md): openport,
// closeport, openbin, closebin and case_extract set what they can, getportstatus and case_getstate read it
// back before the scenario's call, and what only a person or a fault can cause goes to an operator, or is
// reported INCONCLUSIVE with the reason. The profile's fixtures say which ports the tests may use.

import {
  CASE_STATES,
  type CallResult,
  type CaseState,
  type Exchange,
  type ParamValue,
  PORT_MODES,
  PORT_TYPES,
  type PortMode,
  type PortState,
  type PortType,
  type TargetConfig,
} from '../model.ts';
import type { Fixtures } from '../profile/profile.ts';
import { forgetAtNewRun } from '../run-scope.ts';
import { ACTIVE_CASE_STATES } from '../spec.ts';
import { failureKind } from '../wire/failures.ts';
import { callTask } from '../wire/task-call.ts';
import { type Arranger, isUnreachable, type PortView, type Unreachable } from './arrange.ts';
import { markOperatorAbort, OPERATOR_ABORTED, type Operator } from './operator.ts';

export interface TaskArrangerOptions {
  readonly target: TargetConfig;
  readonly fixtures: Fixtures;
  /** How long a port may take to read back as arranged (a real controller moves bins). */
  readonly arrangementMs: number;
  /** The operator at hand, or why there is none (the reason a scenario that needs one gives). */
  readonly operator: Operator | string;
  readonly record?: (exchange: Exchange) => void;
  /** A line of evidence for the scenario's report. */
  readonly note?: (line: string) => void;
  readonly pollMs?: number;
  /** The Log Publisher, when the run reads one: an operator's move of an AutoCase is checked on it. */
  readonly stream?: () => Promise<CaseStream | undefined>;
}

/** Whether the Log Publisher showed a port's AutoCase reach a state after a moment. */
export interface CaseStream {
  mark(): unknown;
  showed(
    mark: unknown,
    port: number,
    state: CaseState,
  ): Promise<{ readonly seen: boolean; readonly detail: string }>;
}

/** What the Task Interface shows of a port: getportstatus, and case_getstate on an AutoCase port. */
interface Shown {
  readonly type: PortType;
  readonly mode: PortMode;
  readonly selected_bin: number | null;
  readonly case_state?: CaseState;
}

/** Modes openport sets (docs/spec/task-methods.md); CLOSED comes from closeport. */
const OPENPORT_MODES: readonly PortMode[] = ['OPEN', 'INSERT', 'SWAP', 'SEQUENCE', 'RUNOUT'];
const EXTRACTION: readonly CaseState[] = ['EREQ', 'ERSO', 'ECMP'];
const INSERTION: readonly CaseState[] = ['IREQ', 'IRTR', 'ICRC', 'ICIN', 'ICMP'];

/**
 * Extractions this process started with case_extract, by target and port: an extraction still in EREQ that
 * the harness itself started has its error clear (case_extract clears it, and nothing in the Task Interface
 * sets one), so a later scenario may use it as "EREQ without error".
 */
const extractions = new Map<string, number>();
forgetAtNewRun(() => extractions.clear());

function describe(state: Partial<PortState>): string {
  const parts: string[] = [];
  if (state.type !== undefined) parts.push(state.type);
  if (state.mode !== undefined) parts.push(state.mode);
  if (state.selected_bin !== undefined)
    parts.push(state.selected_bin === null ? 'no bin selected' : `bin ${state.selected_bin} selected`);
  if (state.case_state !== undefined)
    parts.push(
      `case ${state.case_state}${state.case_error === undefined ? '' : state.case_error ? ' in error' : ' without error'}`,
    );
  return parts.join(', ');
}

function unreachable(reason: string): Unreachable {
  return { verdict: 'INCONCLUSIVE', reason };
}

export class TaskArranger implements Arranger {
  /** The scenario's port ids, and the target ports that play them. */
  private readonly playedBy = new Map<number, number>();
  private readonly pollMs: number;

  constructor(private readonly options: TaskArrangerOptions) {
    this.pollMs = options.pollMs ?? 250;
  }

  /** Nothing to reset through the Task Interface: each scenario arranges from whatever the last one left. */
  async reset(): Promise<void> {
    this.playedBy.clear();
  }

  targetPort(portId: number): number {
    return this.playedBy.get(portId) ?? portId;
  }

  async port(portId: number, wanted: PortState): Promise<Unreachable | undefined> {
    const target = this.choosePort(portId, wanted.type);
    if (typeof target !== 'number') return target;
    const { fixtures } = this.options;
    const bin = wanted.selected_bin;
    if (bin !== null && fixtures.bins !== 'any' && !fixtures.bins.includes(bin)) {
      return unreachable(
        `bin ${bin} is not among the bins the profile lets the tests use (fixtures.bins), so port ${portId} cannot be arranged as ${describe(wanted)}`,
      );
    }
    const missing = this.beyondTaskInterface(wanted);
    if (missing.length > 0) {
      if (typeof this.options.operator === 'string') {
        return unreachable(
          `port ${portId} must be ${describe(wanted)}; the Task Interface cannot reach ${missing.join(', nor ')}: that needs a rig (profile capabilities.rig and rig.url, or --rig) or an operator (${this.options.operator})`,
        );
      }
    }
    const log: string[] = [];
    const calls = await this.setThroughTaskInterface(target, wanted, missing.length > 0, log);
    if (calls.unreachable) return calls.unreachable;
    let operatorNote: string | undefined;
    if (missing.length > 0) {
      const operator = this.options.operator as Operator;
      const instruction = this.instruction(target, wanted, calls.opened);
      // An operator who starts or moves an AutoCase operation shows it on the Log Publisher: wait for that line.
      const before = wanted.type === 'AC' ? await this.show(target) : null;
      const moves = before !== null && !isUnreachable(before) && before.case_state !== wanted.case_state;
      const stream = moves ? await this.options.stream?.() : undefined;
      const mark = stream?.mark();
      const answer = await operator.ask({ instruction, port: target, wanted });
      this.note(
        `asked ${operator.who ?? 'the operator'}: ${instruction} -> ${typeof answer === 'string' ? answer : `no answer: ${answer.failure}`}`,
      );
      if (typeof answer === 'object') return unreachable(answer.failure);
      if (answer === 'not-applicable') {
        return {
          verdict: 'NOT APPLICABLE',
          reason: `the operator says port ${target} cannot be brought to ${describe(wanted)} on this target`,
        };
      }
      if (answer === 'abort') {
        markOperatorAbort();
        return unreachable(OPERATOR_ABORTED);
      }
      if (answer !== 'confirm') {
        return unreachable(
          answer === 'timeout'
            ? `no answer from the operator within the profile's timeouts.operator_s`
            : 'the operator input closed before an answer',
        );
      }
      operatorNote = 'the operator confirmed it';
      // An extraction in error is no longer one this harness may take for "without error" in a later scenario.
      if (wanted.case_error) extractions.delete(this.extractionKey(target));
      if (stream) {
        const shown = await stream.showed(mark, target, wanted.case_state);
        this.note(`the Log Publisher after the operator's confirmation: ${shown.detail}`);
        if (!shown.seen)
          return unreachable(
            `the operator confirmed port ${target} at case ${wanted.case_state}, but the Log Publisher did not show it: ${shown.detail}`,
          );
        operatorNote = `the operator confirmed it, and the Log Publisher showed it (${shown.detail})`;
      }
    }
    const verified = await this.readBackAs(target, wanted, log);
    if (verified) return verified;
    if (target !== portId) this.playedBy.set(portId, target);
    this.note(
      `arranged port ${target}${target === portId ? '' : ` (the scenario's port ${portId})`} through the Task Interface (${log.join(', ') || 'already so'}) and read it back: ${describe(this.shownPart(wanted))}; ${this.errorNote(target, wanted, operatorNote)}`,
    );
    return undefined;
  }

  async noPort(portId: number): Promise<Unreachable | undefined> {
    const target = this.choosePort(portId, null);
    if (typeof target !== 'number') return target;
    const view = await this.view(target, true);
    if (isUnreachable(view)) return view;
    if (view.exists) {
      return unreachable(
        `port ${target} is declared absent (profile fixtures.absent_port), but getportstatus shows it: ${describe(view.fields)}`,
      );
    }
    if (target !== portId) this.playedBy.set(portId, target);
    this.note(
      `port ${target}${target === portId ? '' : ` (the scenario's port ${portId})`} does not exist: getportstatus answers 1000`,
    );
    return undefined;
  }

  /** The whole PortState cannot be read through the Task Interface (no error flag): see view(). */
  async read(): Promise<Unreachable> {
    return unreachable(
      'the Task Interface does not show the AutoCase error flag, so a port cannot be read whole without a rig',
    );
  }

  async events(): Promise<Unreachable> {
    return unreachable(
      'the Log Publisher lines cannot be read through the Task Interface: that needs a rig (profile capabilities.rig and rig.url, or --rig)',
    );
  }

  /** The scenario's port as the Task Interface shows it (its stand-in's, when one plays it). */
  view(portId: number, isTarget = false): Promise<PortView> {
    return this.show(isTarget ? portId : this.targetPort(portId)).then((shown) => {
      if (shown === null) return { exists: false };
      if (isUnreachable(shown)) return shown;
      const { case_state, ...rest } = shown;
      const fields: Partial<PortState> = case_state === undefined ? rest : { ...rest, case_state };
      const unreadable: (keyof PortState)[] =
        case_state === undefined ? ['case_state', 'case_error'] : ['case_error'];
      return { exists: true, fields, unreadable };
    });
  }

  // --- choosing the port ----------------------------------------------------------------------

  private declaredType(portId: number): PortType | 'absent' | undefined {
    const { fixtures } = this.options;
    if (fixtures.absent_port === portId) return 'absent';
    if (fixtures.autocase_ports.includes(portId)) return 'AC';
    return fixtures.other_ports?.find((p) => p.port_id === portId)?.type;
  }

  private inUse(port: number): boolean {
    return this.playedBy.has(port) || [...this.playedBy.values()].includes(port);
  }

  /**
   * The target port that plays the scenario's port: the scenario's own id when the profile declares it so; a
   * declared port that does not exist, or one of the wanted type, otherwise. An AutoCase port is always used
   * with the scenario's id (the bounds 1 and 2000 and the literal forms of 4 are about that very id).
   */
  private choosePort(portId: number, type: PortType | null): number | Unreachable {
    this.playedBy.delete(portId);
    const declared = this.declaredType(portId);
    const { fixtures } = this.options;
    if (type === null) {
      if (declared === 'absent') return portId;
      const absent = fixtures.absent_port;
      if (absent === undefined)
        return unreachable(
          `port ${portId} must not exist, and the profile declares no port that does not exist (fixtures.absent_port)`,
        );
      if (this.inUse(absent))
        return unreachable(`fixtures.absent_port ${absent} already plays another port of this scenario`);
      return absent;
    }
    if (declared === type) return portId;
    if (type === 'AC') {
      return unreachable(
        `port ${portId} must be an AutoCase port, and the profile does not declare it one (fixtures.autocase_ports); an AutoCase port is used with the id the scenario gives it`,
      );
    }
    const other = fixtures.other_ports?.find((p) => p.type === type && !this.inUse(p.port_id));
    if (!other)
      return unreachable(
        `port ${portId} must have port_type ${type}, and the profile declares no such port (fixtures.other_ports)`,
      );
    return other.port_id;
  }

  // --- what the Task Interface can do -----------------------------------------------------------

  /** What about the wanted state the Task Interface cannot set, in words; empty when it can set all. */
  private beyondTaskInterface(wanted: PortState): string[] {
    const missing: string[] = [];
    if (wanted.mode !== 'CLOSED' && !OPENPORT_MODES.includes(wanted.mode))
      missing.push(`mode ${wanted.mode} (openport sets ${OPENPORT_MODES.join(', ')}; closeport CLOSED)`);
    if (wanted.selected_bin !== null && wanted.mode !== 'OPEN')
      missing.push('a bin selected at a port that is not OPEN (openbin needs OPEN)');
    if (wanted.type !== 'AC') return missing; // a port that is not AutoCase has no case: see errorNote
    if (wanted.case_error) missing.push('an AutoCase in error');
    if (wanted.case_state !== 'NOOP' && wanted.case_state !== 'EREQ')
      missing.push(`case state ${wanted.case_state} (case_extract starts EREQ; the hardware moves it on)`);
    else if (wanted.case_state === 'EREQ' && (wanted.mode !== 'OPEN' || wanted.selected_bin === null))
      missing.push('an extraction without an OPEN port and its bin (case_extract needs both)');
    return missing;
  }

  /**
   * Sets through the Task Interface what it can: the mode and the selected bin, and an extraction. With
   * `prefixOnly` (an operator does the rest) it only prepares an OPEN port with the bin, and starts the
   * extraction when the wanted state is one. Faults are kept and do not stop it: the read-back decides.
   */
  private async setThroughTaskInterface(
    port: number,
    wanted: PortState,
    prefixOnly: boolean,
    log: string[],
  ): Promise<{ unreachable?: Unreachable; opened: boolean }> {
    const current = await this.show(port);
    if (current !== null && isUnreachable(current)) return { unreachable: current, opened: false };
    if (current === null)
      return {
        unreachable: unreachable(
          `port ${port} does not exist (getportstatus answers 1000); the profile declares it`,
        ),
        opened: false,
      };
    if (current.type !== wanted.type)
      return {
        unreachable: unreachable(
          `port ${port} shows port_type ${current.type}, the profile declares ${wanted.type} (fixtures)`,
        ),
        opened: false,
      };
    if (prefixOnly && (wanted.mode !== 'OPEN' || wanted.selected_bin === null)) return { opened: false };
    const mode = wanted.mode;
    let bin = current.selected_bin;
    const step = async (method: string, params: Record<string, ParamValue>) => {
      const failure = await this.send(method, params, log);
      if (failure) throw failure;
    };
    try {
      if (mode === 'CLOSED') {
        if (current.mode !== 'CLOSED' || bin !== null) await step('closeport', { port_id: port });
      } else if (current.mode !== mode) {
        if (current.mode !== 'CLOSED') await step('closeport', { port_id: port });
        bin = null;
        const select = this.options.fixtures.openport_select ?? { category: [1] };
        const params: Record<string, ParamValue> = { port_id: port, port_mode: mode };
        if (mode === 'OPEN' || mode === 'SWAP') params.select = select as Record<string, ParamValue>;
        await step('openport', params);
      }
      if (mode === 'OPEN' && bin !== wanted.selected_bin) {
        if (bin !== null) await step('closebin', { port_id: port, bin_id: bin });
        if (wanted.selected_bin !== null)
          await step('openbin', { port_id: port, bin_id: wanted.selected_bin });
      }
      if (wanted.type === 'AC' && wanted.selected_bin !== null && EXTRACTION.includes(wanted.case_state)) {
        const key = this.extractionKey(port);
        const ours = current.case_state === 'EREQ' && extractions.get(key) === wanted.selected_bin;
        if (
          !prefixOnly &&
          !ours &&
          current.case_state !== undefined &&
          ACTIVE_CASE_STATES.includes(current.case_state)
        ) {
          return {
            unreachable: unreachable(
              `port ${port} must be ${describe(wanted)}, and a case operation the harness did not start is going on there (case_state ${current.case_state}): the Task Interface cannot end it, so "without error" cannot be established`,
            ),
            opened: true,
          };
        }
        if (!ours) {
          await step('case_extract', { port_id: port, bin_id: wanted.selected_bin });
          extractions.set(key, wanted.selected_bin);
        } else {
          log.push(
            `the extraction of bin ${wanted.selected_bin} the harness started earlier is still going on`,
          );
        }
      }
    } catch (failure) {
      return { unreachable: failure as Unreachable, opened: false };
    }
    return { opened: true };
  }

  /** One arranging call in XML; a transport failure stops the arrangement, a fault is only noted. */
  private async send(
    method: string,
    params: Record<string, ParamValue>,
    log: string[],
  ): Promise<Unreachable | undefined> {
    const result = await this.call(method, params);
    const failed = this.transportFailure(method, result);
    if (failed) return failed;
    const answer = result.answer;
    const shown = Object.entries(params)
      .filter(([name]) => name !== 'port_id' && name !== 'select')
      .map(([, value]) => String(value))
      .join(' ');
    log.push(
      `${method}${shown ? ` ${shown}` : ''}${answer?.kind === 'fault' ? ` (fault ${answer.code})` : answer ? '' : ' (no readable answer)'}`,
    );
    return undefined;
  }

  private call(method: string, params: Record<string, ParamValue>): Promise<CallResult> {
    return callTask(this.options.target, method, params, 'XML', {
      label: `arrange: ${method} in XML`,
      record: this.options.record,
    });
  }

  private transportFailure(method: string, result: CallResult): Unreachable | undefined {
    const error = result.exchange.error;
    if (error === undefined) return undefined;
    const kind = failureKind(result.exchange);
    return unreachable(
      kind === 'timeout'
        ? `the target timed out on ${method} while arranging: ${error}`
        : `${method} while arranging: ${error}`,
    );
  }

  /** getportstatus, and case_getstate on an AutoCase port; null when the port does not exist. */
  private async show(port: number): Promise<Shown | null | Unreachable> {
    const status = await this.call('getportstatus', { port_id: port });
    const failed = this.transportFailure('getportstatus', status);
    if (failed) return failed;
    const answer = status.answer;
    if (answer?.kind === 'fault') {
      if (answer.code === 1000) return null;
      return unreachable(`getportstatus of port ${port} answers fault ${answer.code}`);
    }
    if (!answer) return unreachable(`getportstatus of port ${port}: ${status.problems.join('; ')}`);
    const type = answer.params.port_type as PortType;
    const mode = answer.params.port_mode as PortMode;
    const binText = answer.params.selected_bin;
    const bin = binText === undefined || binText === '' ? null : Number(binText);
    if (
      !PORT_TYPES.includes(type) ||
      !PORT_MODES.includes(mode) ||
      (bin !== null && !Number.isInteger(bin))
    ) {
      return unreachable(
        `getportstatus of port ${port} answers ${JSON.stringify(answer.params)}: not a port_type, port_mode and selected_bin the harness can read`,
      );
    }
    if (type !== 'AC') return { type, mode, selected_bin: bin };
    const state = await this.call('case_getstate', { port_id: port });
    const stateFailed = this.transportFailure('case_getstate', state);
    if (stateFailed) return stateFailed;
    const caseAnswer = state.answer;
    if (caseAnswer?.kind !== 'success')
      return unreachable(
        `case_getstate of port ${port} answers ${caseAnswer ? `fault ${caseAnswer.code}` : state.problems.join('; ')}`,
      );
    const caseState = caseAnswer.params.case_state as CaseState;
    if (!CASE_STATES.includes(caseState))
      return unreachable(`case_getstate of port ${port} answers case_state ${JSON.stringify(caseState)}`);
    if (caseState !== 'EREQ') extractions.delete(this.extractionKey(port));
    return { type, mode, selected_bin: bin, case_state: caseState };
  }

  /** Reads the port until it shows the wanted state or the profile's arrangement time is up. */
  private async readBackAs(
    port: number,
    wanted: PortState,
    log: readonly string[],
  ): Promise<Unreachable | undefined> {
    const deadline = Date.now() + this.options.arrangementMs;
    for (;;) {
      const shown = await this.show(port);
      if (shown !== null && isUnreachable(shown)) return shown;
      const differs = this.differences(shown, wanted);
      if (differs.length === 0) return undefined;
      if (Date.now() >= deadline) {
        const hint = differs.some((d) => d.startsWith('case_state'))
          ? ' (the Task Interface cannot end a case operation: a rig or an operator can)'
          : '';
        return unreachable(
          `port ${port} was arranged through the Task Interface (${log.join(', ') || 'no call needed'}) but reads back ${differs.join(', ')}${hint}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  private differences(shown: Shown | null, wanted: PortState): string[] {
    if (shown === null) return ['that it does not exist'];
    const differs: string[] = [];
    if (shown.type !== wanted.type) differs.push(`port_type ${shown.type} (wanted ${wanted.type})`);
    if (shown.mode !== wanted.mode) differs.push(`port_mode ${shown.mode} (wanted ${wanted.mode})`);
    if (shown.selected_bin !== wanted.selected_bin)
      differs.push(`selected_bin ${shown.selected_bin ?? 'none'} (wanted ${wanted.selected_bin ?? 'none'})`);
    if (wanted.type === 'AC' && shown.case_state !== wanted.case_state)
      differs.push(`case_state ${shown.case_state} (wanted ${wanted.case_state})`);
    return differs;
  }

  // --- words for the evidence and the operator ----------------------------------------------------

  /** The fields of a wanted state the Task Interface shows. */
  private shownPart(wanted: PortState): Partial<PortState> {
    const { type, mode, selected_bin, case_state } = wanted;
    return type === 'AC' ? { type, mode, selected_bin, case_state } : { type, mode, selected_bin };
  }

  private errorNote(port: number, wanted: PortState, operatorNote?: string): string {
    if (wanted.type !== 'AC')
      return `a port of type ${wanted.type} has no AutoCase: the Task Interface neither sets nor shows case_state and case_error there (case_getstate answers 1087), and case_cancel checks the port type before anything about the case`;
    if (operatorNote)
      return `case_error ${wanted.case_error}: not shown by the Task Interface; ${operatorNote}`;
    if (wanted.case_state === 'EREQ')
      return `case_error false: not shown by the Task Interface; case_extract clears it (task-methods.md) and nothing in the Task Interface sets it`;
    return `case_error false: not shown by the Task Interface; with no case operation going on on port ${port}, case_cancel answers 1152 whatever it is (1152 is checked before 1153)`;
  }

  /** What the operator is asked to do, after the Task Interface did what it can (`opened`: port and bin). */
  private instruction(port: number, wanted: PortState, opened: boolean): string {
    const steps: string[] = [];
    const bin = wanted.selected_bin;
    if (!opened) {
      steps.push(
        `bring port ${port} to mode ${wanted.mode} with ${bin === null ? 'no bin selected' : `bin ${bin} selected`}`,
      );
    }
    if (wanted.type === 'AC') {
      const state = wanted.case_state;
      const error = wanted.case_error;
      if (EXTRACTION.includes(state) && bin !== null) {
        const reach = state === 'EREQ' ? '' : `, once it has reached ${state}`;
        steps.push(
          error
            ? `put the AutoCase on port ${port} into an error during the extraction of bin ${bin}${reach}`
            : `let the extraction of bin ${bin} on port ${port} reach ${state} without an error`,
        );
      } else if (INSERTION.includes(state) && bin !== null) {
        steps.push(
          `insert a case into bin ${bin} on port ${port} and hold it at ${state}${error ? ', with the AutoCase in an error' : ' without an error'}`,
        );
      } else {
        steps.push(
          `put the AutoCase on port ${port} into ${error ? 'an error' : 'no error'} with its case state ${state}`,
        );
      }
    }
    return `${steps.join(', then ')} (wanted: ${describe(wanted)})`;
  }

  private extractionKey(port: number): string {
    return `${this.options.target.taskUrl}#${port}`;
  }

  private note(line: string): void {
    this.options.note?.(line);
  }
}
