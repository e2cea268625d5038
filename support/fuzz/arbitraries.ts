// fast-check arbitraries over case_cancel's parameters and port states. Values are biased toward the places
// bugs live: the bounds, binary widths (2^k - 1, 2^k, 2^k + 1) and states one field away from cancellable.
import fc from 'fast-check';
import {
  CASE_STATES,
  type CaseState,
  type Encoding,
  PORT_MODES,
  PORT_TYPES,
  type PortMode,
  type PortState,
  type PortType,
} from '../model.ts';
import { ACTIVE_CASE_STATES, BIN_ID, PORT_ID } from '../spec.ts';
import type { Sent } from './oracle.ts';

interface Range {
  readonly min: number;
  readonly max: number;
}

/** Powers of two and their neighbours inside the range: where a bit width in the target would show. */
export function binaryEdges({ min, max }: Range): fc.Arbitrary<number> {
  const widest = Math.floor(Math.log2(max));
  return fc
    .tuple(fc.integer({ min: 1, max: widest }), fc.integer({ min: -1, max: 1 }))
    .map(([bits, step]) => Math.min(max, Math.max(min, 2 ** bits + step)));
}

/** Any id in the range: the bounds and binary edges often, otherwise anywhere (shrinks toward the minimum). */
export function idIn(range: Range): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer(range) },
    { weight: 1, arbitrary: fc.constantFrom(range.min, range.max) },
    { weight: 1, arbitrary: binaryEdges(range) },
  );
}

export const portIdInRange = idIn(PORT_ID);
export const binIdInRange = idIn(BIN_ID);

/** Mostly `usual`, sometimes any of `all`; shrinks toward `usual`. */
function mostly<T>(usual: T, all: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 3, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom(...all) },
  );
}

/**
 * A port state, each field usually what a cancel needs (AC, OPEN, a bin, an active operation, an error)
 * and otherwise anything: the answers spread over every code of the order of checks.
 */
export function portState(bins: fc.Arbitrary<number> = binIdInRange): fc.Arbitrary<PortState> {
  return fc.record({
    type: mostly<PortType>('AC', PORT_TYPES),
    mode: mostly<PortMode>('OPEN', PORT_MODES),
    selected_bin: fc.oneof({ weight: 5, arbitrary: bins }, { weight: 1, arbitrary: fc.constant(null) }),
    case_state: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom<CaseState>(...ACTIVE_CASE_STATES) },
      { weight: 1, arbitrary: fc.constantFrom<CaseState>(...CASE_STATES) },
    ),
    case_error: mostly(true, [true, false]),
  });
}

/** The state in which a cancel of `bin` succeeds. */
export function cancellable(bin: number): PortState {
  return { type: 'AC', mode: 'OPEN', selected_bin: bin, case_state: 'ERSO', case_error: true };
}

// --- a randomly arranged site and one call on it ------------------------------------------------

export interface ArrangedPort {
  readonly port_id: number;
  /** null: the port does not exist. */
  readonly state: PortState | null;
}

export interface SiteCall {
  readonly site: readonly ArrangedPort[];
  readonly port_id: number;
  readonly bin_id: number;
}

const arrangedPort: fc.Arbitrary<ArrangedPort> = fc.record({
  port_id: portIdInRange,
  state: fc.oneof({ weight: 5, arbitrary: portState() }, { weight: 1, arbitrary: fc.constant(null) }),
});

/**
 * The port called, up to two other ports around it, and a cancel with the called port's selected bin mostly,
 * else with any bin. The other ports come after it so that shrinking can drop them.
 */
export const siteCall: fc.Arbitrary<SiteCall> = fc
  .record({
    called: arrangedPort,
    others: fc.array(arrangedPort, { maxLength: 2 }),
    selected: mostly(true, [false]),
    bin_id: binIdInRange,
  })
  .map(({ called, others, selected, bin_id }) => {
    const site = [called];
    for (const port of others) if (!site.some((p) => p.port_id === port.port_id)) site.push(port);
    const selectedBin = called.state?.selected_bin ?? null;
    return { site, port_id: called.port_id, bin_id: selected && selectedBin !== null ? selectedBin : bin_id };
  });

/** Both bounds of both ranges, on ports arranged so that the cancel succeeds. */
export const SITE_CALL_BOUNDS: readonly SiteCall[] = [
  {
    site: [{ port_id: PORT_ID.min, state: cancellable(BIN_ID.min) }],
    port_id: PORT_ID.min,
    bin_id: BIN_ID.min,
  },
  {
    site: [{ port_id: PORT_ID.max, state: cancellable(BIN_ID.max) }],
    port_id: PORT_ID.max,
    bin_id: BIN_ID.max,
  },
  {
    site: [{ port_id: PORT_ID.min, state: cancellable(BIN_ID.max) }],
    port_id: PORT_ID.min,
    bin_id: BIN_ID.max,
  },
  {
    site: [{ port_id: PORT_ID.max, state: cancellable(BIN_ID.min) }],
    port_id: PORT_ID.max,
    bin_id: BIN_ID.min,
  },
];

// --- values the spec refuses --------------------------------------------------------------------

/** A call whose parameters are sent as they are: a number, a literal (XML text / raw JSON), or missing. */
export interface SentCall {
  readonly port_id: Sent;
  readonly bin_id: Sent;
}

const INT32_EDGES = [2147483647, -2147483648, 2147483648, -2147483649] as const;
/** Beyond what a double holds exactly: sent as literals. */
const INT64_EDGES = [
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '18446744073709551615',
];

/**
 * Very long digit strings. Built once: fc.stringMatching works out its character classes' shrinking slices
 * each time it is built (1.5 ms warm, more cold), twice for every property that refuses values.
 */
let longDigits: fc.Arbitrary<string> | undefined;
function longDigitStrings(): fc.Arbitrary<string> {
  longDigits ??= fc
    .tuple(fc.constantFrom('', '-'), fc.stringMatching(/^[1-9][0-9]{10,39}$/))
    .map(([sign, digits]) => sign + digits);
  return longDigits;
}

/**
 * Past 2^16 and 2^32 by a bound: what a controller reading the id into 16 or 32 bits takes for a valid id (65540 for
 * port 4). Only those beyond the range (2^16 + 1 is a valid bin_id).
 */
function wrapEdges(range: Range): number[] {
  return [2 ** 16, 2 ** 32]
    .flatMap((wrap) => [wrap + range.min, wrap + range.max])
    .filter((value) => value > range.max);
}

/**
 * Integers outside the range: just past each bound, negative, zero, int32 and int64 edges, the bounds past 2^16 and
 * 2^32, very long digit strings.
 */
function outside(range: Range, encoding: Encoding): fc.Arbitrary<Sent> {
  const zero = encoding === 'XML' ? ['-0', '+0', '0000'] : ['-0', '0e0'];
  return fc.oneof(
    fc.constantFrom<Sent>(range.min - 1, range.max + 1, -1, ...INT32_EDGES, ...wrapEdges(range)),
    fc.integer({ min: -(2 ** 31), max: range.min - 1 }),
    fc.integer({ min: range.max + 1, max: 2 ** 31 - 1 }),
    fc.constantFrom<Sent>(...INT64_EDGES, ...zero),
    longDigitStrings(),
  );
}

const NON_ASCII_DIGITS = {
  'arabic-indic': '٠١٢٣٤٥٦٧٨٩',
  fullwidth: '０１２３４５６７８９',
  devanagari: '०१२३४५६७८९',
  'mathematical bold': '𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗',
} as const;

/** `value` written in another script's digits; `only` replaces only the last digit. */
export function foreignDigits(value: number, script: keyof typeof NON_ASCII_DIGITS, only = false): string {
  const digits = [...NON_ASCII_DIGITS[script]];
  const text = String(value);
  const swap = (d: string) => digits[Number(d)] as string;
  return only ? text.slice(0, -1) + swap(text.slice(-1)) : [...text].map(swap).join('');
}

type Damage = (value: number) => string;

/** XML texts that are not xs:int literals, each built on a valid id so that only the form is wrong. */
const XML_DAMAGES: readonly Damage[] = [
  (v) => `${v}.0`,
  (v) => `${v}.5`,
  (v) => `.${v}`,
  (v) => `${v}e0`,
  (v) => `${v}E2`,
  (v) => `0x${v.toString(16)}`,
  (v) => `0X${v.toString(16).toUpperCase()}`,
  (v) => `${v} ${v}`,
  (v) => `${v}\t1`,
  (v) => `++${v}`,
  (v) => `+-${v}`,
  (v) => `- ${v}`,
  (v) => `${v}-`,
  (v) => `${v}+`,
  (v) => `${v}a`,
  (v) => `#${v}`,
  (v) => `${v},000`,
  (v) => `${v}_0`,
  (v) => foreignDigits(v, 'arabic-indic'),
  (v) => foreignDigits(v, 'fullwidth'),
  (v) => foreignDigits(v, 'devanagari'),
  (v) => foreignDigits(v, 'mathematical bold'),
  (v) => foreignDigits(v, 'arabic-indic', true),
  (v) => `\u00a0${v}`, // no-break space is not XML whitespace
  (v) => `${v}\u2003`,
  (v) => `\u200b${v}`,
  (v) => `${v}\u3000`,
  (v) => `\u0085${v}`,
];

const XML_NOT_NUMBERS = [
  '',
  ' ',
  '\t',
  '\n',
  ' \t\r\n ',
  '+',
  '-',
  '.',
  'e',
  '0x',
  'NaN',
  'Infinity',
  '-Infinity',
  'four',
  'null',
  'true',
];

/** Raw JSON values that are not integral numbers, each built on a valid id where one fits. */
const JSON_DAMAGES: readonly Damage[] = [
  (v) => `"${v}"`,
  (v) => `" ${v} "`,
  (v) => `"+${v}"`,
  (v) => `"0x${v.toString(16)}"`,
  (v) => `"${foreignDigits(v, 'arabic-indic')}"`,
  (v) => `[${v}]`,
  (v) => `{"value": ${v}}`,
  (v) => `${v}.5`,
  (v) => `${v}.25`,
  (v) => `-${v}.5`,
  (v) => `${v}5e-1`,
  (v) => `0.${v}`,
  (v) => `${v}.000001`,
  // fractions a double rounds to the id itself: the literal's own value is not integral
  (v) => `${v}.00000000000000000001`,
  (v) => `${v}0000000000000000000001e-22`,
];

const JSON_NOT_NUMBERS = [
  '""',
  '" "',
  'null',
  'true',
  'false',
  '[]',
  '{}',
  '-0.5',
  '1e-7',
  '"NaN"',
  '"Infinity"',
];

/** `ids`: the valid ids the damaged literals are built on (default: any in the range). */
function malformed(encoding: Encoding, ids: fc.Arbitrary<number>): fc.Arbitrary<Sent> {
  const [damages, constants] =
    encoding === 'XML' ? [XML_DAMAGES, XML_NOT_NUMBERS] : [JSON_DAMAGES, JSON_NOT_NUMBERS];
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(ids, fc.constantFrom(...damages)).map(([v, damage]) => damage(v)),
    },
    { weight: 1, arbitrary: fc.constantFrom(...constants) },
  );
}

/**
 * A value the spec refuses for this parameter: missing, outside the range, or not an integer at all (built on
 * one of `ids`, default any id in the range).
 */
export function refused(
  range: Range,
  encoding: Encoding,
  ids: fc.Arbitrary<number> = idIn(range),
): fc.Arbitrary<Sent> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: outside(range, encoding) },
    { weight: 4, arbitrary: malformed(encoding, ids) },
  );
}

/**
 * At least one parameter refused; the other anything (so that the order 1003/1004 before 1010 shows too).
 * `ports`: the port ids a valid port_id, or the damaged literal of one, is taken from (default: any in the range).
 */
export function refusedCall(
  encoding: Encoding,
  ports: fc.Arbitrary<number> = portIdInRange,
): fc.Arbitrary<SentCall> {
  const bin = fc.oneof(binIdInRange, refused(BIN_ID, encoding));
  return fc.oneof(
    fc.record({ port_id: refused(PORT_ID, encoding, ports), bin_id: bin }),
    fc.record({ port_id: ports, bin_id: refused(BIN_ID, encoding) }),
  );
}

/** Just past each bound, the int32 edges and nothing at all, always tried first. */
export function refusedBounds(encoding: Encoding): SentCall[] {
  const edges = [...INT32_EDGES, INT64_EDGES[0] as string];
  return [
    { port_id: PORT_ID.min - 1, bin_id: BIN_ID.min },
    { port_id: PORT_ID.max + 1, bin_id: BIN_ID.max },
    { port_id: PORT_ID.min, bin_id: BIN_ID.min - 1 },
    { port_id: PORT_ID.max, bin_id: BIN_ID.max + 1 },
    ...edges.map((edge) => ({ port_id: edge, bin_id: BIN_ID.min })),
    ...edges.map((edge) => ({ port_id: PORT_ID.min, bin_id: edge })),
    { port_id: undefined, bin_id: undefined },
    { port_id: PORT_ID.max, bin_id: undefined },
    { port_id: encoding === 'XML' ? ' ' : '"1"', bin_id: BIN_ID.min },
  ];
}

// --- literal forms the spec accepts ---------------------------------------------------------------

const xmlSpace = fc.array(fc.constantFrom(' ', '\t', '\n', '\r\n'), { maxLength: 3 }).map((s) => s.join(''));
const jsonSpace = fc.array(fc.constantFrom(' ', '\t', '\n', '\r'), { maxLength: 3 }).map((s) => s.join(''));

/** A way of writing an integer that the spec reads as that integer. */
export type Form = (value: number) => string;

/** XML: a plus sign, leading zeros (up to very long digit strings) and surrounding whitespace, in any mix. */
const xmlForm: fc.Arbitrary<Form> = fc
  .record({ before: xmlSpace, sign: fc.constantFrom('', '+'), zeros: fc.nat({ max: 30 }), after: xmlSpace })
  .filter(({ before, sign, zeros, after }) => before + sign + after !== '' || zeros > 0)
  .map(
    ({ before, sign, zeros, after }) =>
      (v: number) =>
        `${before}${sign}${'0'.repeat(zeros)}${v}${after}`,
  );

/** JSON: numbers with an integral value written with a fraction of zeros or an exponent, and whitespace around. */
const JSON_SHAPES: readonly Form[] = [
  (v) => String(v),
  (v) => `${v}.0`,
  (v) => `${v}.000`,
  (v) => `${v}e0`,
  (v) => `${v}E+0`,
  (v) => `${v}0e-1`,
  (v) => `${v}00E-2`,
  (v) => {
    const digits = String(v);
    return `${digits[0]}.${digits.slice(1) || '0'}e${digits.length - 1}`;
  },
];

const jsonForm: fc.Arbitrary<Form> = fc
  .record({ before: jsonSpace, shape: fc.constantFrom(...JSON_SHAPES), after: jsonSpace })
  .map(
    ({ before, shape, after }) =>
      (v: number) =>
        `${before}${shape(v)}${after}`,
  );

export interface LiteralCall extends SentCall {
  /** The values the literals stand for. */
  readonly port: number;
  readonly bin: number;
}

/** The forms of port_id and bin_id (undefined: plain), at least one of them a form. */
export function literalForms(
  encoding: Encoding,
): fc.Arbitrary<readonly [Form | undefined, Form | undefined]> {
  const form = encoding === 'XML' ? xmlForm : jsonForm;
  return fc.oneof<fc.Arbitrary<readonly [Form | undefined, Form | undefined]>[]>(
    fc.tuple(form, fc.constant(undefined)),
    fc.tuple(fc.constant(undefined), form),
    fc.tuple(form, form),
  );
}

/** A value in a form; a form that happens to write the canonical text is sent as the number it is. */
export function written(v: number, f: Form | undefined): Sent {
  const text = f?.(v);
  return text === undefined || text === String(v) ? v : text;
}

/** At least one of the two is sent in a form other than the plain number. */
export function isLiteral(call: LiteralCall): boolean {
  return call.port_id !== call.port || call.bin_id !== call.bin;
}

/** A call with port_id, bin_id or both written in a form the spec accepts, not the canonical one. */
export function literalCall(encoding: Encoding): fc.Arbitrary<LiteralCall> {
  return fc
    .record({ port: portIdInRange, bin: binIdInRange, forms: literalForms(encoding) })
    .map(({ port, bin, forms }) => ({
      port,
      bin,
      port_id: written(port, forms[0]),
      bin_id: written(bin, forms[1]),
    }))
    .filter(isLiteral);
}

/** The bounds in accepted forms, always tried first. */
export function literalBounds(encoding: Encoding): LiteralCall[] {
  const [low, high] = encoding === 'XML' ? [' +0001 ', '\n0002000\t'] : [' 1.0 ', '2e3'];
  const [lowBin, highBin] = encoding === 'XML' ? ['+000000000000000000001', ' 4000000 '] : ['1E0', '4.0e6'];
  return [
    { port: PORT_ID.min, bin: BIN_ID.min, port_id: low, bin_id: lowBin },
    { port: PORT_ID.max, bin: BIN_ID.max, port_id: high, bin_id: highBin },
  ];
}
