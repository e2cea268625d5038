// The controller's decision as a pure function: (site state, call) -> (answer, next state, published lines).
// No I/O here; the server reads the state, decides and commits in one synchronous step.

import { type DeviationName, type Deviations, NO_DEVIATIONS } from './deviations.ts';
import { autoCaseLine, committed, fault, isActive, success, unchanged, withPort } from './outcome.ts';
import {
  INVALID,
  type IntegerParam,
  inRange,
  readIntegerInRange,
  readOctalLeadingZero,
  readWrapped,
  trimXmlWhitespace,
} from './params.ts';
import { TASK_METHODS } from './task-methods.ts';
import {
  type Answer,
  BIN_ID_MAX,
  BIN_ID_MIN,
  type Call,
  type Decision,
  type ParamValue,
  PORT_ID_MAX,
  PORT_ID_MIN,
  type PortState,
  type SiteState,
  type XmlElement,
} from './types.ts';

/** The checks of case_cancel, by name; their order is docs/spec/case_cancel.md's "Order of checks". */
type CancelCheck =
  | 'port_id-missing'
  | 'port_id-invalid'
  | 'bin_id-missing'
  | 'bin_id-invalid'
  | 'port-missing'
  | 'port-type'
  | 'port-mode'
  | 'bin-none'
  | 'bin-other'
  | 'no-operation'
  | 'no-error';

const CANCEL_CODES: Readonly<Record<CancelCheck, number>> = {
  'port_id-missing': 1003,
  'port_id-invalid': 1004,
  'bin_id-missing': 1010,
  'bin_id-invalid': 1010,
  'port-missing': 1000,
  'port-type': 1087,
  'port-mode': 1099,
  'bin-none': 1149,
  'bin-other': 1149,
  'no-operation': 1152,
  'no-error': 1153,
};

/** Deviations that answer a check with the wrong code. */
const WRONG_CODES: readonly { deviation: DeviationName; check: CancelCheck; code: number }[] = [
  { deviation: 'code-1003-wrong', check: 'port_id-missing', code: 1004 },
  { deviation: 'code-1004-wrong', check: 'port_id-invalid', code: 1003 },
  { deviation: 'missing-bin-1003', check: 'bin_id-missing', code: 1003 },
  { deviation: 'code-1010-wrong', check: 'bin_id-invalid', code: 1004 },
  { deviation: 'code-1000-wrong', check: 'port-missing', code: 1001 },
  { deviation: 'code-1087-wrong', check: 'port-type', code: 1000 },
  { deviation: 'code-1099-wrong', check: 'port-mode', code: 1009 },
  { deviation: 'code-1149-wrong', check: 'bin-other', code: 1150 },
  { deviation: 'code-1152-wrong', check: 'no-operation', code: 1153 },
  { deviation: 'code-1153-wrong', check: 'no-error', code: 1152 },
];

/** Deviations that leave a check out. */
const SKIPPED_CHECKS: readonly { deviation: DeviationName; check: CancelCheck }[] = [
  { deviation: 'skip-mode-check', check: 'port-mode' },
  { deviation: 'skip-no-bin-check', check: 'bin-none' },
  { deviation: 'skip-error-check', check: 'no-error' },
];

function cancelFault(check: CancelCheck, deviations: Deviations): Answer {
  const wrong = WRONG_CODES.find((entry) => entry.check === check && deviations.has(entry.deviation));
  return fault(wrong?.code ?? CANCEL_CODES[check]);
}

function skipped(check: CancelCheck, deviations: Deviations): boolean {
  return SKIPPED_CHECKS.some((entry) => entry.check === check && deviations.has(entry.deviation));
}

/** A parameter by its name; with param-name-any-case, the first whose name matches without regard to case. */
function paramNamed(call: Call, name: string, deviations: Deviations): ParamValue | undefined {
  const exact = call.params?.get(name);
  if (exact !== undefined || !deviations.has('param-name-any-case')) return exact;
  for (const [key, value] of call.params ?? []) if (key.toLowerCase() === name) return value;
  return undefined;
}

function portIdParam(call: Call, deviations: Deviations): IntegerParam {
  const min = deviations.has('port-min-off-by-one') ? PORT_ID_MIN - 1 : PORT_ID_MIN;
  const max = deviations.has('port-max-off-by-one') ? PORT_ID_MAX - 1 : PORT_ID_MAX;
  const param = paramNamed(call, 'port_id', deviations);
  // a reading of its own (16 bits) where a deviation has one for this value, else the spec's
  const misread = deviations.has('port-id-uint16') ? readWrapped(param, 16) : undefined;
  return misread === undefined ? readIntegerInRange(param, min, max, deviations) : inRange(misread, min, max);
}

/** bin_id as sent; with bin-child-text, an XML bin_id with child elements is read as the text inside them. */
function binParam(call: Call, deviations: Deviations): ParamValue | undefined {
  const param = paramNamed(call, 'bin_id', deviations);
  if (!deviations.has('bin-child-text') || param?.encoding !== 'XML') return param;
  return { encoding: 'XML', elements: param.elements.map(flattenElement) };
}

/** The element with its descendants' text as its own, and no children: what a reader of "all text" sees. */
function flattenElement(element: XmlElement): XmlElement {
  const text = (e: XmlElement): string => e.text + e.children.map(text).join('');
  return { name: element.name, text: text(element), children: [] };
}

function binIdParam(call: Call, deviations: Deviations): IntegerParam {
  const min = deviations.has('bin-min-off-by-one') ? BIN_ID_MIN + 1 : BIN_ID_MIN;
  const max = deviations.has('bin-max-off-by-one') ? BIN_ID_MAX + 1 : BIN_ID_MAX;
  const param = binParam(call, deviations);
  // a reading of its own (octal, 32 bits) where a deviation has one for this value, else the spec's
  const misread = deviations.has('bin-octal-leading-zero')
    ? readOctalLeadingZero(param)
    : deviations.has('bin-id-uint32')
      ? readWrapped(param, 32)
      : undefined;
  const read =
    misread === undefined ? readIntegerInRange(param, min, max, deviations) : inRange(misread, min, max);
  const inBand = read.kind === 'integer' && read.value >= 2_097_152 && read.value <= 2_162_687;
  return deviations.has('bin-band-refused') && inBand ? INVALID : read;
}

/** Both ids when valid, otherwise the parameter check that answers (port_id first, unless a deviation swaps). */
function cancelParams(call: Call, deviations: Deviations): { portId: number; binId: number } | CancelCheck {
  const portId = portIdParam(call, deviations);
  const binId = binIdParam(call, deviations);
  if (portId.kind === 'integer' && binId.kind === 'integer')
    return { portId: portId.value, binId: binId.value };
  const portFailure: CancelCheck | undefined =
    portId.kind === 'integer' ? undefined : `port_id-${portId.kind}`;
  const binFailure: CancelCheck | undefined = binId.kind === 'integer' ? undefined : `bin_id-${binId.kind}`;
  const first = deviations.has('order-port-bin-params')
    ? (binFailure ?? portFailure)
    : (portFailure ?? binFailure);
  return first ?? 'port_id-invalid';
}

/** The checks on the port itself, in order. */
const PORT_CHECKS: readonly CancelCheck[] = [
  'port-type',
  'port-mode',
  'bin-none',
  'bin-other',
  'no-operation',
  'no-error',
];
/** fault-publishes-state: the refusals of an OPEN AutoCase port, after which it reports its state. */
const STATE_REPORTED_ON: readonly CancelCheck[] = ['bin-none', 'bin-other', 'no-operation', 'no-error'];
const PORT_CHECKS_MODE_FIRST: readonly CancelCheck[] = ['port-mode', 'port-type', ...PORT_CHECKS.slice(2)];

function portFails(check: CancelCheck, port: PortState, binId: number): boolean {
  switch (check) {
    case 'port-type':
      return port.type !== 'AC';
    case 'port-mode':
      return port.mode !== 'OPEN';
    case 'bin-none':
      return port.selected_bin === null;
    case 'bin-other':
      return port.selected_bin !== null && port.selected_bin !== binId;
    case 'no-operation':
      return !isActive(port);
    case 'no-error':
      return !port.case_error;
    default:
      return false;
  }
}

function caseCancel(state: SiteState, call: Call, deviations: Deviations): Decision {
  const params = cancelParams(call, deviations);
  if (typeof params === 'string') return unchanged(state, cancelFault(params, deviations));
  const { portId, binId } = params;
  const highHidden = deviations.has('port-high-missing') && portId > 1024 && portId < 2000;
  const port = highHidden ? undefined : state.ports.get(portId);
  if (port === undefined) return unchanged(state, cancelFault('port-missing', deviations));
  const order = deviations.has('order-type-mode') ? PORT_CHECKS_MODE_FIRST : PORT_CHECKS;
  const failed = order.find((check) => portFails(check, port, binId) && !skipped(check, deviations));
  if (failed !== undefined) {
    // fault-publishes-cr: a refused cancel of another bin still signals CR on the Log Publisher, as if requested.
    if (deviations.has('fault-publishes-cr') && failed === 'bin-other')
      return committed(state, cancelFault(failed, deviations), [`AC,${portId},${binId},CR`]);
    // fault-publishes-cr-late: the same line, from a publisher task a moment after the answer
    if (deviations.has('fault-publishes-cr-late') && failed === 'bin-other')
      return {
        ...unchanged(state, cancelFault(failed, deviations)),
        publishedLater: [`AC,${portId},${binId},CR`],
      };
    // fault-publishes-state: a controller that reports its AutoCase after every command, a refused one too: the
    // port's line as it stands, the very line a rig reporting its PUT would publish
    if (deviations.has('fault-publishes-state') && STATE_REPORTED_ON.includes(failed))
      return committed(state, cancelFault(failed, deviations), [autoCaseLine(portId, port)]);
    return unchanged(state, cancelFault(failed, deviations));
  }
  const cancelled: PortState = {
    ...port,
    case_state: deviations.has('success-state-kept') ? port.case_state : 'NOOP',
    case_error: deviations.has('success-error-kept') ? port.case_error : false,
    selected_bin: deviations.has('success-clears-bin') ? null : port.selected_bin,
    mode: deviations.has('success-closes-port') ? 'CLOSED' : port.mode,
  };
  const [portShown, binShown] = deviations.has('log-ids-as-written')
    ? [writtenId(call, 'port_id', portId), writtenId(call, 'bin_id', binId)]
    : [portId, binId];
  const lineOf = (state: 'CR' | 'ECMP' | 'NOOP') => `AC,${portShown},${binShown},${state}`;
  const line = lineOf(deviations.has('success-wrong-log') ? 'CR' : 'NOOP');
  const published = deviations.has('success-no-log')
    ? []
    : deviations.has('success-log-twice')
      ? [line, line]
      : deviations.has('success-log-ecmp-first')
        ? [lineOf('ECMP'), line]
        : [line];
  const next = forgetPreviousBin(withPort(state, portId, cancelled), state, portId, deviations);
  return committed(
    deviations.has('success-clears-all-errors') ? withoutErrors(next) : next,
    success(),
    published,
  );
}

/** success-clears-all-errors: every AutoCase port's error flag cleared, as if the error were the site's. */
function withoutErrors(state: SiteState): SiteState {
  const ports = new Map(state.ports);
  for (const [id, port] of ports) if (port.case_error) ports.set(id, { ...port, case_error: false });
  return { ...state, ports };
}

/** log-ids-as-written: an XML id as the call wrote it (its text, XML whitespace trimmed); a JSON id as read. */
function writtenId(call: Call, name: 'port_id' | 'bin_id', value: number): string | number {
  const param = call.params?.get(name);
  const element = param?.encoding === 'XML' ? param.elements[0] : undefined;
  return element === undefined ? value : trimXmlWhitespace(element.text);
}

/** The cancel-forgets-previous-bin deviation: the port cancelled just before this one loses its selected bin. */
function forgetPreviousBin(
  next: SiteState,
  before: SiteState,
  portId: number,
  deviations: Deviations,
): SiteState {
  if (!deviations.has('cancel-forgets-previous-bin')) return next;
  const previousId = before.lastCancelled;
  const previous = previousId === undefined ? undefined : next.ports.get(previousId);
  const forgotten =
    previousId !== undefined && previous !== undefined && previousId !== portId
      ? withPort(next, previousId, { ...previous, selected_bin: null })
      : next;
  return { ...forgotten, lastCancelled: portId };
}

type MethodDecision = (state: SiteState, call: Call, deviations: Deviations) => Decision;

/** Deviations concern case_cancel only; the methods that arrange a scenario always behave. */
const METHODS: ReadonlyMap<string, MethodDecision> = new Map<string, MethodDecision>([
  ['case_cancel', caseCancel],
  ...Object.entries(TASK_METHODS),
]);

/** Whether the emulator knows the method; an unknown method is not a call (HTTP 400). */
export function isKnownMethod(method: string): boolean {
  return METHODS.has(method);
}

export function knownMethods(): readonly string[] {
  return [...METHODS.keys()];
}

/** Decides one call. The method must be known (isKnownMethod); the state passed in is never modified. */
export function decide(state: SiteState, call: Call, deviations: Deviations = NO_DEVIATIONS): Decision {
  const method = METHODS.get(call.method);
  if (method === undefined) throw new Error(`decide: unknown method ${call.method}`);
  return method(state, call, deviations);
}
