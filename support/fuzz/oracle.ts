// The harness's oracle for case_cancel: what a conforming controller answers, read from
// docs/spec/case_cancel.md alone (never from emulator/). Pure: no I/O, no fast-check.

import { concernsPort, parseSegment } from '../log-publisher/listener.ts';
import type { Answer, Encoding, PortState } from '../model.ts';
import { ACTIVE_CASE_STATES, BIN_ID, cancelledLine, FAULT, PORT_ID } from '../spec.ts';

/** A parameter as it travels: missing, a canonical number, or a literal (XML element text, or a raw JSON value). */
export type Sent = number | string | undefined;

/** What a parameter is worth once read by the spec's integer rules. */
export type Reading =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly why: string }
  | { readonly kind: 'integer'; readonly value: number };

const MISSING: Reading = { kind: 'missing' };
// [decided] XML whitespace is space, tab, CR and LF: nothing wider (no NBSP, no Unicode spaces).
const XML_SPACE_AT_ENDS = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const XS_INT_LITERAL = /^[+-]?[0-9]+$/;
/** Nine digits at most: a value well inside xs:int, which a double holds exactly. */
const SHORT_INT_LITERAL = /^[+-]?[0-9]{1,9}$/;
const XS_INT_MIN = -(2n ** 31n);
const XS_INT_MAX = 2n ** 31n - 1n;

/** [decided] XML: the element's text without surrounding whitespace must be an xs:int literal. */
export function readXmlInteger(text: string): Reading {
  const literal = text.replace(XML_SPACE_AT_ENDS, '');
  if (SHORT_INT_LITERAL.test(literal)) {
    const value = Number(literal); // sign and leading zeros read as xs:int reads them; -0 is 0
    return { kind: 'integer', value: value === 0 ? 0 : value };
  }
  if (!XS_INT_LITERAL.test(literal))
    return { kind: 'invalid', why: `${JSON.stringify(text)} is not an xs:int literal` };
  const value = BigInt(literal); // BigInt reads sign and leading zeros as xs:int does
  if (value < XS_INT_MIN || value > XS_INT_MAX) {
    return { kind: 'invalid', why: `${JSON.stringify(text)} lies beyond xs:int` };
  }
  return { kind: 'integer', value: Number(value) };
}

/** [decided] JSON: a number with an integral value; a string, null, a boolean, an array, an object or a fraction is not. */
export function readJsonInteger(raw: string): Reading {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`harness bug: ${JSON.stringify(raw)} is not a JSON value`);
  }
  if (typeof value !== 'number') return { kind: 'invalid', why: `${raw.trim()} is not a JSON number` };
  // The literal's own value, not the double JSON.parse rounds it to: 4.0000000000000000001 reads as 4.
  if (!Number.isInteger(value) || !integralLiteral(raw.trim()))
    return { kind: 'invalid', why: `${raw.trim()} has no integral value` };
  return { kind: 'integer', value: value === 0 ? 0 : value }; // -0 is 0
}

/**
 * Whether a JSON number literal's exact decimal value is an integer: every non-zero digit of its fraction moved
 * in front of the point by its exponent. 4.0, 4e0 and 40e-1 are; 4.0000000000000000001 and 4.5 are not.
 */
export function integralLiteral(literal: string): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (match === null) return false;
  const [, whole = '', fraction = '', exponent = '0'] = match;
  const significant = fraction.replace(/0+$/, ''); // trailing zeros of the fraction weigh nothing
  if (significant.length > 0) return BigInt(exponent) >= BigInt(significant.length);
  // no fraction left: negative exponents must not cut into the whole part's non-zero digits
  const trailingZeros = whole.length - whole.replace(/0+$/, '').length;
  return /^0+$/.test(whole) || BigInt(exponent) >= -BigInt(trailingZeros);
}

/** The wire text of a parameter: what the codec writes for a number, or the literal itself. */
export function wireText(sent: number | string, encoding: Encoding): string {
  if (typeof sent === 'string') return sent;
  return encoding === 'XML' ? String(sent) : JSON.stringify(sent);
}

export function readParam(sent: Sent, encoding: Encoding): Reading {
  if (sent === undefined) return MISSING;
  const text = wireText(sent, encoding);
  return encoding === 'XML' ? readXmlInteger(text) : readJsonInteger(text);
}

/** What the oracle expects of one call: an exact answer, or (the port being unknown) anything past the parameter checks. */
export type Expected =
  | { readonly kind: 'answer'; readonly answer: Answer; readonly why: string }
  | { readonly kind: 'past the parameter checks'; readonly port_id: number; readonly bin_id: number };

/** The codes a port can answer once the parameters are valid, in the order of the checks. */
export const PORT_CODES: readonly number[] = [
  FAULT.PORT_NOT_AVAILABLE,
  FAULT.NOT_AUTOCASE,
  FAULT.WRONG_MODE,
  FAULT.NOT_SELECTED_BIN,
  FAULT.NO_ACTIVE_OPERATION,
  FAULT.NO_ERROR,
];

const SUCCESS: Answer = { kind: 'success', params: {} };

function fault(code: number, why: string): Expected {
  return { kind: 'answer', answer: { kind: 'fault', code }, why };
}

/** The first failing parameter check (steps 2 and 3 of the order of checks), or the two values. */
export function checkParams(
  port_id: Reading,
  bin_id: Reading,
): { readonly expected: Expected } | { readonly port_id: number; readonly bin_id: number } {
  if (port_id.kind === 'missing') return { expected: fault(FAULT.PORT_ID_MISSING, 'port_id is missing') };
  if (port_id.kind === 'invalid') return { expected: fault(FAULT.PORT_ID_INVALID, port_id.why) };
  if (port_id.value < PORT_ID.min || port_id.value > PORT_ID.max) {
    return {
      expected: fault(
        FAULT.PORT_ID_INVALID,
        `port_id ${port_id.value} is outside ${PORT_ID.min}-${PORT_ID.max}`,
      ),
    };
  }
  if (bin_id.kind === 'missing') return { expected: fault(FAULT.BIN_ID_INVALID, 'bin_id is missing') };
  if (bin_id.kind === 'invalid') return { expected: fault(FAULT.BIN_ID_INVALID, bin_id.why) };
  if (bin_id.value < BIN_ID.min || bin_id.value > BIN_ID.max) {
    return {
      expected: fault(FAULT.BIN_ID_INVALID, `bin_id ${bin_id.value} is outside ${BIN_ID.min}-${BIN_ID.max}`),
    };
  }
  return { port_id: port_id.value, bin_id: bin_id.value };
}

/** Steps 4 to 10 of the order of checks, for a port known to exist (a state) or not to exist (null). */
export function checkPort(port: PortState | null, port_id: number, bin_id: number): Expected {
  if (port === null) return fault(FAULT.PORT_NOT_AVAILABLE, `port ${port_id} does not exist`);
  if (port.type !== 'AC') return fault(FAULT.NOT_AUTOCASE, `port ${port_id} is a ${port.type} port, not AC`);
  if (port.mode !== 'OPEN') return fault(FAULT.WRONG_MODE, `port ${port_id} is ${port.mode}, not OPEN`);
  if (port.selected_bin === null) return fault(FAULT.NOT_SELECTED_BIN, `port ${port_id} has no bin selected`);
  if (port.selected_bin !== bin_id) {
    return fault(FAULT.NOT_SELECTED_BIN, `bin ${bin_id} is not the selected bin ${port.selected_bin}`);
  }
  if (!ACTIVE_CASE_STATES.includes(port.case_state)) {
    return fault(FAULT.NO_ACTIVE_OPERATION, `case state ${port.case_state} is no active operation`);
  }
  if (!port.case_error) return fault(FAULT.NO_ERROR, 'the AutoCase has no error');
  return {
    kind: 'answer',
    answer: SUCCESS,
    why: 'an active operation in error, cancelled with the selected bin',
  };
}

/** [decided] What a successful cancel leaves: NOOP without error; type, mode and selected bin kept. */
export function cancelled(port: PortState): PortState {
  return { ...port, case_state: 'NOOP', case_error: false };
}

/**
 * The site as the oracle knows it: each port known to exist with a state, known not to exist (null), or
 * unknown (absent from the map: a target without a rig), and the Log Publisher lines since the reset.
 */
export class SiteModel {
  private readonly ports = new Map<number, PortState | null>();
  private readonly published: string[] = [];

  arrange(portId: number, state: PortState | null): void {
    this.ports.set(portId, state);
  }

  /** The port's state, null when it does not exist, undefined when the oracle does not know. */
  port(portId: number): PortState | null | undefined {
    return this.ports.get(portId);
  }

  get events(): readonly string[] {
    return this.published;
  }

  /**
   * Whether a Log Publisher line is about the site the model knows: an AC line of one of its ports, a BM line of one
   * of their selected bins. Other lines are other ports moving, not an answer to a call.
   */
  concerns(line: string): boolean {
    const read = { segment: parseSegment(line) };
    for (const [portId, port] of this.ports) {
      const bin = port?.selected_bin;
      if (concernsPort(read, portId, bin === null || bin === undefined ? [] : [bin])) return true;
    }
    return false;
  }

  /** Predicts one case_cancel and applies its effect on the model. */
  cancel(port_id: Sent, bin_id: Sent, encoding: Encoding): Expected {
    const params = checkParams(readParam(port_id, encoding), readParam(bin_id, encoding));
    if ('expected' in params) return params.expected;
    const port = this.ports.get(params.port_id);
    if (port === undefined) return { kind: 'past the parameter checks', ...params };
    const expected = checkPort(port, params.port_id, params.bin_id);
    if (port !== null && expected.kind === 'answer' && expected.answer.kind === 'success') {
      this.ports.set(params.port_id, cancelled(port));
      this.published.push(cancelledLine(params.port_id, params.bin_id));
    }
    return expected;
  }
}

/** Whether an answer is what the oracle expects. */
export function meets(expected: Expected, answer: Answer): boolean {
  if (expected.kind === 'past the parameter checks') {
    return answer.kind === 'success' || PORT_CODES.includes(answer.code);
  }
  if (expected.answer.kind === 'success') return answer.kind === 'success';
  return answer.kind === 'fault' && answer.code === expected.answer.code;
}

export function describeAnswer(answer: Answer): string {
  return answer.kind === 'success' ? 'success' : `fault ${answer.code}`;
}

export function describeExpected(expected: Expected): string {
  if (expected.kind === 'past the parameter checks') {
    return `an answer past the parameter checks (success or ${PORT_CODES.join(', ')}): port_id ${expected.port_id} and bin_id ${expected.bin_id} are valid`;
  }
  return `${describeAnswer(expected.answer)} (${expected.why})`;
}
