// Reading parameter values by the integer rules of docs/spec/case_cancel.md: XML xs:int literals, JSON integral numbers.

import { type Deviations, NO_DEVIATIONS } from './deviations.ts';
import type { ParamValue } from './types.ts';

export type IntegerParam =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'integer'; readonly value: number };

const MISSING: IntegerParam = { kind: 'missing' };
export const INVALID: IntegerParam = { kind: 'invalid' };

const XS_INT_MIN = -2_147_483_648;
const XS_INT_MAX = 2_147_483_647;
const XS_INT_LITERAL = /^[+-]?[0-9]+$/;
const DECIMAL_LITERAL = /^[+-]?[0-9]+\.[0-9]+$/;
const JSON_DIGIT_STRING = /^-?[0-9]+$/;

function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/** Removes XML whitespace (space, tab, CR, LF) only: not the wider set String.prototype.trim knows. */
export function trimXmlWhitespace(text: string): string {
  // Nearly every value has none at either end: then it is the text itself (for '' too).
  if (!isXmlSpace(text.charCodeAt(0)) && !isXmlSpace(text.charCodeAt(text.length - 1))) return text;
  return text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

function integer(value: number): IntegerParam {
  return value >= XS_INT_MIN && value <= XS_INT_MAX ? { kind: 'integer', value } : INVALID;
}

/**
 * One to nine digits, the first not 0, no sign: an xs:int literal whose value is Number(literal), what the
 * general reading below gives it, without its regular expressions.
 */
function plainDigits(literal: string): boolean {
  const length = literal.length;
  if (length === 0 || length > 9) return false;
  const first = literal.charCodeAt(0);
  if (first < 0x31 || first > 0x39) return false;
  for (let index = 1; index < length; index++) {
    const code = literal.charCodeAt(index);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** The value of an xs:int literal, or undefined when the text is not one (or lies beyond xs:int). */
function xsInt(literal: string): number | undefined {
  if (plainDigits(literal)) return Number(literal);
  if (!XS_INT_LITERAL.test(literal)) return undefined;
  const negative = literal.startsWith('-');
  const digits = literal.replace(/^[+-]/, '').replace(/^0+(?=[0-9])/, '');
  if (digits.length > 10) return undefined;
  const value = negative ? -Number(digits) : Number(digits);
  return value >= XS_INT_MIN && value <= XS_INT_MAX ? value : undefined;
}

function readXmlInteger(
  param: Extract<ParamValue, { encoding: 'XML' }>,
  deviations: Deviations,
): IntegerParam {
  const element = param.elements[0];
  if (element === undefined) return MISSING;
  if (param.elements.length > 1 || element.children.length > 0) return INVALID;
  // xml-ids-unicode-trim: trimmed as String.prototype.trim trims (a no-break space, an ideographic space...)
  const trimmed = deviations.has('xml-ids-unicode-trim')
    ? element.text.trim()
    : trimXmlWhitespace(element.text);
  if (deviations.has('refuse-whitespace') && trimmed !== element.text) return INVALID;
  // xml-ids-any-digits: the digits of any script read as their values (٤ and ４ as 4), as Python's int() reads them
  const literal = deviations.has('xml-ids-any-digits') ? asciiDigits(trimmed) : trimmed;
  const value = xsInt(literal);
  if (value !== undefined) {
    if (deviations.has('refuse-leading-zeros') && /^[+-]|^0[0-9]/.test(literal)) return INVALID;
    return integer(value);
  }
  if (deviations.has('accept-decimal-literal') && DECIMAL_LITERAL.test(literal)) {
    const decimal = Number(literal);
    if (Number.isInteger(decimal)) return integer(decimal);
  }
  return INVALID;
}

/** xml-ids-any-digits: each decimal digit of another script (\p{Nd}) as its ASCII digit. */
function asciiDigits(text: string): string {
  const isDigit = (code: number) => /\p{Nd}/u.test(String.fromCodePoint(code));
  return text.replace(/\p{Nd}/gu, (digit) => {
    const code = digit.codePointAt(0) as number;
    // Unicode's decimal digits come in runs of whole blocks, each 0 to 9 in order (some blocks side by side)
    let start = code;
    while (start > 0 && isDigit(start - 1)) start--;
    return String((code - start) % 10);
  });
}

/** An XML parameter given once, without child elements: its text, XML whitespace trimmed; undefined otherwise. */
function singleXmlText(param: ParamValue | undefined): string | undefined {
  if (param?.encoding !== 'XML') return undefined;
  const element = param.elements[0];
  if (element === undefined || param.elements.length > 1 || element.children.length > 0) return undefined;
  return trimXmlWhitespace(element.text);
}

/**
 * bin-octal-leading-zero: an XML integer whose digits start with 0 read as C's strtol(text, &end, 0) reads it, in
 * octal (000101337 is 33503), and refused where a digit is not octal (the end short of the text, 0101339).
 * Undefined for any other value, read as usual (no leading zero, or not one XML element).
 */
export function readOctalLeadingZero(param: ParamValue | undefined): IntegerParam | undefined {
  const text = singleXmlText(param);
  if (text === undefined) return undefined;
  const match = /^([+-]?)0([0-9]+)$/.exec(text);
  if (match === null) return undefined;
  const [, sign, digits = ''] = match;
  if (!/^[0-7]+$/.test(digits)) return INVALID;
  const value = Number.parseInt(digits, 8);
  return integer(sign === '-' ? -value : value);
}

function readJsonInteger(value: unknown, deviations: Deviations): IntegerParam {
  if (typeof value === 'number' && Number.isInteger(value)) return { kind: 'integer', value };
  if (deviations.has('accept-json-string') && typeof value === 'string' && JSON_DIGIT_STRING.test(value)) {
    return { kind: 'integer', value: Number(value) };
  }
  return INVALID;
}

/**
 * port-id-uint16 / bin-id-uint32: a non-negative integer read into an unsigned field of `bits` bits, as C code
 * storing it in a uint16_t or uint32_t does (65540 is 4, 4295068633 is 101337). Undefined for any other value
 * (negative, not an integer literal), read as usual.
 */
export function readWrapped(param: ParamValue | undefined, bits: 16 | 32): IntegerParam | undefined {
  let digits: bigint | undefined;
  if (param?.encoding === 'JSON') {
    if (typeof param.value === 'number' && Number.isInteger(param.value) && param.value >= 0)
      digits = BigInt(param.value);
  } else {
    const literal = singleXmlText(param);
    if (literal !== undefined && /^\+?[0-9]+$/.test(literal)) digits = BigInt(literal.replace(/^\+/, ''));
  }
  if (digits === undefined) return undefined;
  return { kind: 'integer', value: Number(digits % (1n << BigInt(bits))) };
}

/** Reads an integer parameter; the range check is the caller's (it differs per parameter). */
export function readInteger(param: ParamValue | undefined, deviations: Deviations): IntegerParam {
  if (param === undefined) return MISSING;
  return param.encoding === 'XML'
    ? readXmlInteger(param, deviations)
    : readJsonInteger(param.value, deviations);
}

/** An integer parameter within [min, max]: missing, invalid (format or range), or its value. */
export function readIntegerInRange(
  param: ParamValue | undefined,
  min: number,
  max: number,
  deviations: Deviations,
): IntegerParam {
  return inRange(readInteger(param, deviations), min, max);
}

/** An integer reading within [min, max] as it is, one outside invalid; missing and invalid as they are. */
export function inRange(read: IntegerParam, min: number, max: number): IntegerParam {
  if (read.kind !== 'integer') return read;
  return read.value >= min && read.value <= max ? read : INVALID;
}

export type TextParam =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'text'; readonly value: string };

/** A text parameter: in XML one element without children, its text trimmed of XML whitespace; in JSON a string. */
export function readText(param: ParamValue | undefined): TextParam {
  if (param === undefined) return { kind: 'missing' };
  if (param.encoding === 'JSON') {
    return typeof param.value === 'string' ? { kind: 'text', value: param.value } : { kind: 'invalid' };
  }
  const element = param.elements[0];
  if (element === undefined || param.elements.length > 1 || element.children.length > 0)
    return { kind: 'invalid' };
  return { kind: 'text', value: trimXmlWhitespace(element.text) };
}

export const CATEGORY_MAX = 10_000_000;
export const CONTENT_MAX = 10_000_000;
const INVALID_CATEGORY = 1007;
const INVALID_CONTENT = 1006;

export type SelectParam =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly code: number }
  | { readonly kind: 'select'; readonly by: 'category' | 'content'; readonly values: readonly number[] };

/** The code for a select list naming both kinds, or a kind that does not exist. */
function selectKinds(names: readonly string[]): SelectParam | 'category' | 'content' {
  const kinds = new Set(names);
  if (kinds.has('category') && kinds.has('content')) return { kind: 'invalid', code: INVALID_CONTENT };
  if (kinds.size !== 1) return { kind: 'invalid', code: INVALID_CATEGORY };
  if (kinds.has('category')) return 'category';
  if (kinds.has('content')) return 'content';
  return { kind: 'invalid', code: INVALID_CATEGORY };
}

function selectOf(by: 'category' | 'content', items: readonly ParamValue[]): SelectParam {
  const [min, max, code] =
    by === 'category' ? [1, CATEGORY_MAX, INVALID_CATEGORY] : [0, CONTENT_MAX, INVALID_CONTENT];
  const values: number[] = [];
  for (const item of items) {
    const read = readIntegerInRange(item, min, max, NO_DEVIATIONS);
    if (read.kind !== 'integer') return { kind: 'invalid', code };
    values.push(read.value);
  }
  return { kind: 'select', by, values };
}

/**
 * openport's select list: XML <select><category>1</category>...</select> (or <content> items), JSON
 * {"category": [1, 2]} (or "content"). Never both kinds (1006); a bad category 1007, a bad content 1006.
 */
export function readSelect(param: ParamValue | undefined): SelectParam {
  if (param === undefined) return { kind: 'missing' };
  if (param.encoding === 'XML') {
    const [element, ...more] = param.elements;
    if (element === undefined || more.length > 0) return { kind: 'invalid', code: INVALID_CATEGORY };
    const by = selectKinds(element.children.map((child) => child.name));
    if (typeof by !== 'string') return by;
    return selectOf(
      by,
      element.children.map((child) => ({ encoding: 'XML', elements: [child] })),
    );
  }
  const value = param.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', code: INVALID_CATEGORY };
  }
  const entries = Object.entries(value);
  const by = selectKinds(entries.map(([name]) => name));
  if (typeof by !== 'string') return by;
  const items = entries[0]?.[1];
  if (!Array.isArray(items) || items.length === 0) {
    return { kind: 'invalid', code: by === 'category' ? INVALID_CATEGORY : INVALID_CONTENT };
  }
  return selectOf(
    by,
    items.map((item: unknown) => ({ encoding: 'JSON', value: item })),
  );
}
