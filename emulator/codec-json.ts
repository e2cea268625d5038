// The JSON encoding of the Task Interface: {"method", "params"} requests in, {"params"} / {"fault"} answers out.

import type { Deviations } from './deviations.ts';
import type { Answer, ParamValue } from './types.ts';
import { hasUtf8Bom, notACall, type ParsedCall } from './wire.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON number literal, at a given index (sticky). */
const NUMBER_LITERAL = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

const DIGIT_THEN_FRACTION = /[0-9][.eE]/;

/** Whether a number literal's exact decimal value is an integer, however many digits it has. */
function exactlyIntegral(literal: string): boolean {
  const match = /^-?([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(literal);
  if (match === null) return false;
  const whole = match[1] ?? '';
  const digits = whole + (match[2] ?? '');
  let last = digits.length - 1; // the last non-zero digit
  while (last >= 0 && digits.charCodeAt(last) === 0x30) last--;
  if (last < 0) return true; // zero
  // Integral when every non-zero digit stands before the decimal point, the exponent moving the point.
  return BigInt(last - whole.length) < BigInt(match[3] ?? '0');
}

/**
 * JSON.parse reads 4.0000000000000000001 as the double 4, an integer: the fraction the client sent would
 * pass the integer rule. Each such literal (a fraction whose double is integral) becomes 0.5, keeping its
 * sign, so that it stays the fraction it is; every other byte is left as it was.
 */
function keepFractions(text: string, refuseExponent = false): string {
  // In every literal that has a fraction or an exponent a digit comes right before its first '.', 'e' or 'E':
  // a text with no such pair has nothing to keep (nearly every call: ids are plain integers).
  if (!DIGIT_THEN_FRACTION.test(text)) return text;
  // json-exponent-refused: a literal with an exponent is taken for a fraction too (4e0, 1.01337e5)
  const asFraction = (literal: string) =>
    (refuseExponent && /[eE]/.test(literal)) ||
    (/[.eE]/.test(literal) && Number.isInteger(Number(literal)) && !exactlyIntegral(literal));
  let kept = '';
  let copiedTo = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x22) {
      // a string: skip it, escapes included
      index++;
      while (index < text.length && text.charCodeAt(index) !== 0x22)
        index += text.charCodeAt(index) === 0x5c ? 2 : 1;
      index++;
      continue;
    }
    if (code !== 0x2d && (code < 0x30 || code > 0x39)) {
      index++;
      continue;
    }
    NUMBER_LITERAL.lastIndex = index;
    const literal = NUMBER_LITERAL.exec(text)?.[0];
    if (literal === undefined) {
      index++;
      continue;
    }
    if (asFraction(literal)) {
      kept += `${text.slice(copiedTo, index)}${literal.startsWith('-') ? '-' : ''}0.5`;
      copiedTo = index + literal.length;
    }
    index += literal.length;
  }
  return copiedTo === 0 ? text : kept + text.slice(copiedTo);
}

/**
 * json-trailing-data-read: the text up to the end of its first object or array (brackets counted outside strings),
 * whatever follows it; the whole text when it does not start with one or the value does not end.
 */
function firstJsonValue(text: string): string {
  const start = text.search(/\S/);
  if (start < 0 || (text[start] !== '{' && text[start] !== '[')) return text;
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if ((char === '}' || char === ']') && --depth === 0) return text.slice(0, index + 1);
  }
  return text;
}

/** Strict UTF-8; one decoder for every call (a decode that is not streamed starts afresh, errors included). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads a JSON call (always UTF-8, an optional BOM skipped). */
export function parseJsonCall(raw: Buffer, deviations?: Deviations): ParsedCall {
  const body = hasUtf8Bom(raw) ? raw.subarray(3) : raw;
  let document: unknown;
  try {
    // ignoreBOM: the one BOM allowed is already gone; the decoder must not silently drop a second one.
    // json-fraction-rounded: the double is judged, as JSON.parse and Number.isInteger alone would
    const decoded = UTF8.decode(body);
    // json-trailing-data-read: only the first value is read, as Go's json.Decoder reads a request body
    const text = deviations?.has('json-trailing-data-read') ? firstJsonValue(decoded) : decoded;
    document = JSON.parse(
      deviations?.has('json-fraction-rounded')
        ? text
        : keepFractions(text, deviations?.has('json-exponent-refused') === true),
    );
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'the body is not valid UTF-8';
    return notACall('malformed', `malformed JSON: ${detail}`);
  }
  // json-null-body-500: reading body.method from null throws, and the crash answers 500
  if (document === null && deviations?.has('json-null-body-500'))
    return notACall('crash', "Cannot read properties of null (reading 'method')");
  if (!isObject(document))
    return notACall('not-a-call', 'a JSON call is an object with "method" and "params"');
  const method = Object.hasOwn(document, 'method') ? document.method : undefined;
  // json-method-unhashable-500: a method looked up in a dict as it is, which throws for a list or an object
  if (typeof method === 'object' && method !== null && deviations?.has('json-method-unhashable-500'))
    return notACall('crash', `TypeError: unhashable type: '${Array.isArray(method) ? 'list' : 'dict'}'`);
  if (typeof method !== 'string' || method === '') {
    return notACall('not-a-call', 'a JSON call needs "method", a non-empty string');
  }
  // params-beside-method: without a params member, the call's other members are read as its parameters
  const rawParams = Object.hasOwn(document, 'params')
    ? document.params
    : deviations?.has('params-beside-method')
      ? document
      : undefined;
  let params: Map<string, ParamValue> | undefined;
  if (isObject(rawParams)) {
    // Own enumerable names in Object.entries' order, without its arrays of pairs.
    params = new Map();
    for (const name in rawParams) {
      if (Object.hasOwn(rawParams, name)) params.set(name, { encoding: 'JSON', value: rawParams[name] });
    }
  }
  return { ok: true, call: { method, encoding: 'JSON', params } };
}

/** The JSON answer: {"params": {...}} or {"fault": {"code": N}}. */
export function encodeJsonAnswer(answer: Answer, deviations: Deviations): string {
  let envelope: unknown;
  if (answer.kind === 'fault') {
    envelope = { fault: { code: deviations.has('json-code-string') ? String(answer.code) : answer.code } };
  } else if (answer.params.length === 0 && deviations.has('json-params-null')) {
    envelope = { params: null };
  } else {
    envelope = { params: Object.fromEntries(answer.params) };
  }
  return JSON.stringify(deviations.has('json-response-wrapped') ? { response: envelope } : envelope);
}
