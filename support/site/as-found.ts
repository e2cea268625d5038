// Judging a controller as it is found (docs/spec/as-found.md), the pure part: what a scenario's verdict needs of
// the port that plays it, which found port fits, and what the order of checks predicts for a port as read. A
// scenario declares the state the rig would arrange; as found, only the part of it that decides the answer
// has to stand, so the need is derived from the declared state, the call, and the order of checks, and kept
// exact where the scenario is about that part of the state itself (focusOf: its name and tags).
import { checkParams, checkPort, type Expected, type Reading, readParam } from '../fuzz/oracle.ts';
import type { CaseState, Encoding, ParamValue, PortMode, PortState, PortType } from '../model.ts';
import { ACTIVE_CASE_STATES, BIN_ID, FAULT, PORT_ID } from '../spec.ts';
import type { FoundPort, SiteMap } from './site-map.ts';
import { type ContentPart, xmlContentParts, xmlContentText } from './xml-content.ts';

/** A condition a later check of the order must also break, so that a deviating order shows (order.feature). */
export interface Later {
  readonly notOpen?: boolean;
  readonly noBin?: boolean;
  /** The port's selected bin is not this one, or none is selected: either breaks the bin check (1149). */
  readonly otherBin?: number;
  readonly inactive?: boolean;
}

/** What the verdict needs of the port that plays a declared port. */
export type Need =
  | { readonly kind: 'absent' }
  | { readonly kind: 'autocase' }
  | { readonly kind: 'existing'; readonly type: PortType }
  | { readonly kind: 'type'; readonly type: PortType; readonly later: Later }
  | { readonly kind: 'mode'; readonly mode: PortMode; readonly later: Later }
  | { readonly kind: 'no-bin'; readonly later: Later }
  /**
   * 1149: a selected bin that is not the call's, or none, breaks the same check; `exact` when the scenario is about
   * a selected bin that differs (focusOf), and then a bin must be selected. A port with a bin is played first.
   */
  | { readonly kind: 'other-bin'; readonly bin: number; readonly exact: boolean; readonly later: Later }
  /**
   * 1152: any case state that is not active breaks the same check; `exact` when the scenario is about the
   * declared state itself (focusOf), and then only that state will do. A port in `state` is played first.
   */
  | { readonly kind: 'inactive'; readonly state: CaseState; readonly exact: boolean }
  /** The answer turns on the AutoCase error flag, which the Task Interface does not show. */
  | { readonly kind: 'error-flag' };

/**
 * What a scenario is about beyond the fault it expects. Where it is about a part of its declared state, that part
 * must stand on the port that plays it as declared, not merely well enough for the fault: a scenario is never
 * passed on a port that does not stand as its point says.
 */
export interface Focus {
  /**
   * The scenario is about the order of checks (@req:ORDER): with a parameter fault, the declared port must also
   * break the later check its declared state breaks, so that a controller that checks the port first shows.
   */
  readonly order: boolean;
  /** The scenario names its declared case state (the rows of errors.feature over the inactive states). */
  readonly caseState: boolean;
  /** The scenario is about a selected bin that is not the call's (@req:CC-1149-OTHER), not about no bin. */
  readonly selectedBin: boolean;
}

/** The scenario as the player knows it: the pickle's name and tags. */
export interface ScenarioInfo {
  readonly name: string;
  readonly tags: readonly string[];
}

/** What is asked of a scenario the player knows nothing about: everything it declares that decides the answer. */
export const ABOUT_ALL: Focus = { order: true, caseState: true, selectedBin: true };

/**
 * What the scenario is about, as far as the declared port's need depends on it. A name that names the declared
 * case state as a word ("... (ECMP in error, XML)") is an outline over the states: each row tests its own state.
 */
export function focusOf(scenario: ScenarioInfo | undefined, declared: PortState | null): Focus {
  if (scenario === undefined) return ABOUT_ALL;
  return {
    order: scenario.tags.includes('@req:ORDER'),
    caseState: declared !== null && new RegExp(`\\b${declared.case_state}\\b`).test(scenario.name),
    selectedBin: scenario.tags.includes('@req:CC-1149-OTHER'),
  };
}

/** One reason for everything that turns on the error flag, so that the summary names it once. */
export const NEEDS_ERROR_FLAG =
  'the AutoCase error flag: the Task Interface does not show it, so an operation known to be in error (or known to be without) needs a rig (--rig), an operator (--interactive or --operator-command), or a profile that allows changes (capabilities.task_interface_arrangement)';

/** A case_cancel as the scenario writes it, read by the spec's integer rules. */
export interface CallReading {
  readonly port_id: Reading;
  readonly bin_id: Reading;
  /** The parameter fault the order of checks answers first, if any. */
  readonly paramFault?: number;
  /** Anything beyond port_id and bin_id as plain numbers: a literal form, an unknown parameter, a client form. */
  readonly variant: boolean;
  /** port_id or bin_id is a bound of its range (1, 2000; 1, 4 000 000). */
  readonly bound: boolean;
}

/** A parameter as sent (a number, an XML literal, raw JSON), read by the spec's integer rules. */
export function readParamValue(value: ParamValue | undefined, encoding: Encoding): Reading {
  if (value === undefined) return { kind: 'missing' };
  if (typeof value === 'number') return readParam(value, encoding);
  if (typeof value === 'string') {
    return encoding === 'XML'
      ? readParam(value, 'XML')
      : { kind: 'invalid', why: `${JSON.stringify(value)} is a JSON string` };
  }
  if (typeof value === 'object' && value !== null && 'rawJson' in value)
    return readParam(value.rawJson as string, 'JSON');
  // XML markup without child elements (CDATA, references, comments): its text as XML reads it
  if (typeof value === 'object' && value !== null && 'rawXml' in value && encoding === 'XML') {
    const text = xmlContentText(value.rawXml as string);
    if (text !== undefined) return readParam(text, 'XML');
  }
  return { kind: 'invalid', why: 'not a single integer value' };
}

function isPlainNumber(value: ParamValue | undefined): boolean {
  return typeof value === 'number';
}

/** Reads a case_cancel's parameters; `form` is true when the call is sent in a client form other than the sample's. */
export function readCall(
  params: Readonly<Record<string, ParamValue>> | undefined,
  encoding: Encoding,
  form: boolean,
): CallReading {
  const port_id = readParamValue(params?.port_id, encoding);
  const bin_id = readParamValue(params?.bin_id, encoding);
  const checked = checkParams(port_id, bin_id);
  const paramFault =
    'expected' in checked && checked.expected.kind === 'answer' && checked.expected.answer.kind === 'fault'
      ? checked.expected.answer.code
      : undefined;
  const extra = Object.keys(params ?? {}).some((name) => name !== 'port_id' && name !== 'bin_id');
  const literal = !isPlainNumber(params?.port_id) || !isPlainNumber(params?.bin_id);
  const bound =
    (port_id.kind === 'integer' && (port_id.value === PORT_ID.min || port_id.value === PORT_ID.max)) ||
    (bin_id.kind === 'integer' && (bin_id.value === BIN_ID.min || bin_id.value === BIN_ID.max));
  return { port_id, bin_id, paramFault, variant: form || extra || literal, bound };
}

/** The port_id a call addresses, when it is a valid id (whatever bin_id is). */
export function addressedPort(call: CallReading): number | undefined {
  const p = call.port_id;
  return p.kind === 'integer' && p.value >= PORT_ID.min && p.value <= PORT_ID.max ? p.value : undefined;
}

function binValue(call: CallReading): number | undefined {
  return call.bin_id.kind === 'integer' ? call.bin_id.value : undefined;
}

function active(state: CaseState): boolean {
  return ACTIVE_CASE_STATES.includes(state);
}

/**
 * The need of a declared port. `addressed`: the call names this port with a valid port_id. A parameter fault is
 * answered before the port is looked at: the port needs only to exist as declared (any AutoCase port for an
 * AutoCase one), unless the scenario is about the order of checks (focus.order). Then a bin that differs only
 * because it is invalid makes no condition of its own: the port part of the declared state is judged with its
 * selected bin as if the call had named it.
 */
export function needOf(
  declared: PortState | null,
  call: CallReading,
  addressed: boolean,
  focus: Focus = ABOUT_ALL,
): Need {
  if (declared === null) return { kind: 'absent' };
  if (!addressed || (call.paramFault !== undefined && !focus.order))
    return declared.type === 'AC' ? { kind: 'autocase' } : { kind: 'existing', type: declared.type };
  const bin = binValue(call);
  const byParams = call.paramFault !== undefined;
  const binFails = declared.selected_bin === null || (!byParams && declared.selected_bin !== bin);
  const binLater = (): Later =>
    declared.selected_bin === null ? { noBin: true } : binFails && bin !== undefined ? { otherBin: bin } : {};
  const stateLater = (): Later =>
    declared.type === 'AC' && !active(declared.case_state) ? { inactive: true } : {};
  if (declared.type !== 'AC') {
    // Only what getportstatus shows of a port that is not AutoCase can be asked of it: mode and selected bin.
    const later: Later = {
      ...(declared.mode !== 'OPEN' ? { notOpen: true } : {}),
      ...binLater(),
    };
    return { kind: 'type', type: declared.type, later };
  }
  if (declared.mode !== 'OPEN')
    return { kind: 'mode', mode: declared.mode, later: { ...binLater(), ...stateLater() } };
  if (declared.selected_bin === null) return { kind: 'no-bin', later: stateLater() };
  if (binFails && bin !== undefined)
    return { kind: 'other-bin', bin, exact: focus.selectedBin, later: stateLater() };
  if (!active(declared.case_state))
    return { kind: 'inactive', state: declared.case_state, exact: focus.caseState };
  // Past every check the Task Interface can show: the answer turns on the error flag (1153 or success).
  return byParams ? { kind: 'autocase' } : { kind: 'error-flag' };
}

function meetsLater(port: FoundPort, later: Later): boolean {
  if (later.notOpen && port.mode === 'OPEN') return false;
  if (later.noBin && port.selected_bin !== null) return false;
  if (later.otherBin !== undefined && port.selected_bin === later.otherBin) return false;
  if (later.inactive && (port.case_state === undefined || active(port.case_state))) return false;
  return true;
}

/** Whether a port as found stands as the need says (null: the port does not exist). */
export function fits(need: Need, port: FoundPort | null): boolean {
  if (need.kind === 'absent') return port === null;
  if (port === null) return false;
  switch (need.kind) {
    case 'autocase':
      return port.type === 'AC';
    case 'existing':
      return port.type === need.type;
    case 'type':
      return port.type === need.type && meetsLater(port, need.later);
    case 'mode':
      return port.type === 'AC' && port.mode === need.mode && meetsLater(port, need.later);
    case 'no-bin':
      return (
        port.type === 'AC' &&
        port.mode === 'OPEN' &&
        port.selected_bin === null &&
        meetsLater(port, need.later)
      );
    case 'other-bin':
      return (
        port.type === 'AC' &&
        port.mode === 'OPEN' &&
        port.selected_bin !== need.bin &&
        (!need.exact || port.selected_bin !== null) &&
        meetsLater(port, need.later)
      );
    case 'inactive':
      return (
        port.type === 'AC' &&
        port.mode === 'OPEN' &&
        port.selected_bin !== null &&
        port.case_state !== undefined &&
        (need.exact ? port.case_state === need.state : !active(port.case_state))
      );
    case 'error-flag':
      return false;
  }
}

/**
 * Whether a port that fits also stands as the scenario declared where the need leaves a choice (the declared
 * inactive state; a bin selected, where the declared bin differs from the call's): among the ports that fit,
 * these play first.
 */
export function prefers(need: Need, port: FoundPort | null): boolean {
  if (port === null) return true;
  switch (need.kind) {
    // Any AutoCase port will do (a parameter fault comes first): one where no cancel can succeed, so that a lenient
    // controller that reads the refused value as some valid id answers that port's fault and changes nothing.
    case 'autocase':
      return anyCancelIsProbe(port);
    case 'inactive':
      return port.case_state === need.state;
    case 'other-bin':
      return port.selected_bin !== null;
    case 'type':
    case 'mode':
      return need.later.otherBin === undefined || port.selected_bin !== null;
    default:
      return true;
  }
}

/**
 * Whether every case_cancel on this port, whatever its bin, is a fault whatever the error flag: the port does not
 * exist or is not AutoCase, is not OPEN, has no bin selected, or its case is read and not active.
 */
export function anyCancelIsProbe(port: FoundPort | null): boolean {
  if (port === null || port.type !== 'AC' || port.mode !== 'OPEN' || port.selected_bin === null) return true;
  return port.case_state !== undefined && !active(port.case_state);
}

function laterWords(later: Later): string {
  const words: string[] = [];
  if (later.notOpen) words.push('not OPEN');
  if (later.noBin) words.push('with no bin selected');
  if (later.otherBin !== undefined) words.push(`with no bin or a bin other than ${later.otherBin} selected`);
  if (later.inactive) words.push('with no active case operation');
  return words.length > 0 ? `, ${words.join(', ')}` : '';
}

/** "a VE port", "an AC port". */
function aPort(type: string): string {
  return `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type} port`;
}

/** The need in words: "an AutoCase port in mode CLOSED, with no bin selected, with no active case operation". */
export function describeNeed(need: Need): string {
  switch (need.kind) {
    case 'absent':
      return 'a port id that answers 1000 (no such port)';
    case 'autocase':
      return 'an AutoCase port, in any mode and state';
    case 'existing':
      return `${aPort(need.type)}, in any mode`;
    case 'type':
      return `${aPort(need.type)}${laterWords(need.later)}`;
    case 'mode':
      return `an AutoCase port in mode ${need.mode}${laterWords(need.later)}`;
    case 'no-bin':
      return `an OPEN AutoCase port with no bin selected${laterWords(need.later)}`;
    case 'other-bin':
      return `an OPEN AutoCase port with ${need.exact ? '' : 'no bin or '}a bin other than ${need.bin} selected${laterWords(need.later)}`;
    case 'inactive':
      return need.exact
        ? `an OPEN AutoCase port with a bin selected and its case ${need.state}`
        : 'an OPEN AutoCase port with a bin selected and no active case operation';
    case 'error-flag':
      return NEEDS_ERROR_FLAG;
  }
}

/** Which ports were read, in words: "among ports 1-2000", "among the ports the profile lists". */
export function describeSource(site: SiteMap): string {
  const source = site.source;
  if (source.kind === 'range') return `among ports ${source.from}-${source.to}`;
  if (source.kind === 'ranges')
    return `among ports ${source.ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ')}`;
  return 'among the ports the profile lists';
}

/** Why no port fits: the same words for every scenario that misses the same thing. */
export function missingReason(need: Need, site: SiteMap): string {
  if (need.kind === 'error-flag') return NEEDS_ERROR_FLAG;
  const needWords = describeNeed(need).replace(/^an? /, '');
  // A port id beyond 2000 is a parameter fault (1004), never 1000: a run that may use only some ports needs one
  // of them to answer 1000, and no other id is read to find one.
  const source = site.source;
  const everyId = source.kind === 'range' && source.from === PORT_ID.min && source.to === PORT_ID.max;
  const hint =
    need.kind !== 'absent' || everyId
      ? ''
      : source.kind === 'profile'
        ? ' (the profile names one as fixtures.absent_port)'
        : " (--ports or the profile's discovery.ports may name one)";
  return `no ${needWords} ${describeSource(site)} on this site${hint}`;
}

/** A found port as the oracle's PortState; the error flag, never shown, is taken as set (see predictProbe). */
function asState(port: FoundPort): PortState {
  return {
    type: port.type,
    mode: port.mode,
    selected_bin: port.selected_bin,
    // An AutoCase port whose case state was not read counts as active: never a probe that could succeed.
    case_state: port.case_state ?? (port.type === 'AC' ? 'ERSO' : 'NOOP'),
    case_error: true,
  };
}

/**
 * What the order of checks answers to case_cancel(portId, binId) on a port as read, when that answer is a fault
 * whatever the error flag: a probe. Undefined when the cancel could succeed (or answer 1153): a change.
 */
export function predictProbe(port: FoundPort | null, portId: number, binId: number): Expected | undefined {
  const expected = checkPort(port === null ? null : asState(port), portId, binId);
  if (expected.kind !== 'answer' || expected.answer.kind === 'success') return undefined;
  if (expected.answer.code === FAULT.NO_ERROR) return undefined;
  return expected;
}

/** A bin id that makes case_cancel on this port a probe (1149 at the latest), preferring `wanted`. */
export function probeBin(port: FoundPort | null, portId: number, wanted: number): number | undefined {
  if (predictProbe(port, portId, wanted)) return wanted;
  const selected = port?.selected_bin ?? null;
  if (selected === null) return undefined;
  const other = selected === BIN_ID.max ? selected - 1 : selected + 1;
  return predictProbe(port, portId, other) ? other : undefined;
}

// --- a literal form written around another id ------------------------------------------------------------------

/** A literal's parts (XML text or a raw JSON number): whitespace, sign, whole digits, fraction, exponent, whitespace. */
const LITERAL_PARTS = /^([ \t\r\n]*)([+-]?)([0-9]*)(?:\.([0-9]*))?(?:([eE])([+-]?[0-9]+))?([ \t\r\n]*)$/;

/**
 * What a literal keeps when it is written around another value: everything but its significant digits (the
 * whitespace, the sign, the count of leading zeros and whether the whole part is nothing but zeros, the point and
 * how many digits follow it, the exponent as written). Undefined when the text is not such a literal.
 */
function formOf(text: string): string | undefined {
  const parts = LITERAL_PARTS.exec(text);
  if (parts === null) return undefined;
  const [, before = '', sign = '', whole = '', fraction, mark = '', exponent = '', after = ''] = parts;
  const zeros = whole.length - whole.replace(/^0+/, '').length;
  return JSON.stringify([
    before,
    sign,
    zeros,
    zeros === whole.length,
    fraction?.length,
    mark + exponent,
    after,
  ]);
}

/** The literal text written around `id` in the same form, or undefined when no literal of that form means `id`. */
function rewriteText(text: string, id: number): string | undefined {
  const parts = LITERAL_PARTS.exec(text);
  if (parts === null) return undefined;
  const [, before = '', sign = '', whole = '', fraction, mark = '', exponent = '', after = ''] = parts;
  const decimals = fraction?.length ?? 0;
  // The digits of the form, read as one integer, are the value times 10^places.
  const places = BigInt(decimals) - (mark === '' ? 0n : BigInt(exponent));
  // A literal of a value of 1 or more holds at least `places` digits: a larger shift is no literal of this length.
  if (places > BigInt(text.length)) return undefined;
  let scaled: bigint;
  if (places >= 0n) scaled = BigInt(id) * 10n ** places;
  else {
    const unit = 10n ** -places;
    if (BigInt(id) % unit !== 0n) return undefined;
    scaled = BigInt(id) / unit;
  }
  const zeros = whole.length - whole.replace(/^0+/, '').length;
  const digits = '0'.repeat(zeros) + scaled.toString();
  if (digits.length < decimals) return undefined;
  const point = digits.length - decimals;
  const written = `${before}${sign}${digits.slice(0, point)}${fraction === undefined ? '' : `.${digits.slice(point)}`}${mark}${exponent}${after}`;
  return formOf(written) === formOf(text) ? written : undefined;
}

/**
 * A port_id or bin_id as the scenario writes it, written around another id: a number becomes that id; a literal
 * keeps its form around the id's digits (` +0004 ` around 32 is ` +0032 `, `101337.0` around 3232 is `3232.0`,
 * `40e-1` around 32 is `320e-1`), so that the call says the same thing of a port as found. Undefined when no
 * literal of that form means the id (`0.4e1` around 32), or the value is not a single literal.
 */
export function writtenAround(value: ParamValue, id: number, encoding: Encoding): ParamValue | undefined {
  if (typeof value === 'number') return id;
  if (typeof value === 'object' && value !== null && 'rawXml' in value && encoding === 'XML') {
    const rewritten = markupAround(value.rawXml as string, id);
    if (rewritten === undefined) return undefined;
    const reading = readParamValue({ rawXml: rewritten }, encoding);
    return reading.kind === 'integer' && reading.value === id ? { rawXml: rewritten } : undefined;
  }
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null && 'rawJson' in value
        ? (value.rawJson as string)
        : undefined;
  if (text === undefined) return undefined;
  const rewritten = rewriteText(text, id);
  if (rewritten === undefined) return undefined;
  const sent: ParamValue = typeof value === 'string' ? rewritten : { rawJson: rewritten };
  const reading = readParamValue(sent, encoding);
  return reading.kind === 'integer' && reading.value === id ? sent : undefined;
}

/** A character as the reference it was written with, in the same base. */
function asReference(char: string, kind: 'decimal-ref' | 'hex-ref'): string {
  const code = char.codePointAt(0) as number;
  return kind === 'decimal-ref' ? `&#${code};` : `&#x${code.toString(16).toUpperCase()};`;
}

/**
 * XML markup for an element's content written around another id in the same form: comments before and after the
 * value stay as they are; the value between them is plain text, one CDATA section, or character references of one
 * base, written around the id as a literal is (`<![CDATA[4]]>` around 12 is `<![CDATA[12]]>`, `&#52;` is
 * `&#49;&#50;`, `4<!-- c -->` is `12<!-- c -->`). Undefined for any other markup, or when no literal of that form
 * means the id.
 */
export function markupAround(content: string, id: number): string | undefined {
  const parts = xmlContentParts(content);
  if (parts === undefined) return undefined;
  let start = 0;
  let end = parts.length;
  while (start < end && parts[start]?.kind === 'comment') start++;
  while (end > start && parts[end - 1]?.kind === 'comment') end--;
  const value: readonly ContentPart[] = parts.slice(start, end);
  const kinds = new Set(value.map((part) => part.kind));
  const kind = value[0]?.kind;
  if (kind === undefined || kinds.size !== 1) return undefined;
  const text = value.map((part) => part.text).join('');
  const written = rewriteText(text, id);
  if (written === undefined) return undefined;
  let sent: string;
  if (kind === 'text') sent = written;
  else if (kind === 'cdata' && value.length === 1) sent = `<![CDATA[${written}]]>`;
  else if (kind === 'decimal-ref' || kind === 'hex-ref')
    sent = [...written].map((char) => asReference(char, kind)).join('');
  else return undefined;
  const around = (from: number, to: number) =>
    parts
      .slice(from, to)
      .map((part) => part.raw)
      .join('');
  return `${around(0, start)}${sent}${around(end, parts.length)}`;
}
