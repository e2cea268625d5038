// Reading an answer's envelope (docs/spec/case_cancel.md): success or fault, and every way the body breaks the
// envelope contract, one line each. Tolerant of whatever XML and JSON themselves treat as equal (whitespace,
// <params/> against <params></params>, attribute and key order, a BOM, ISO-8859-1).

import { XMLValidator } from 'fast-xml-parser';
import type { Answer, Encoding } from '../model.ts';
import { isElement, parsedXmlNodes, type XmlElement } from './xml-reader.ts';

export interface DecodedAnswer {
  /** Set whenever the kind (and the fault code) can be read unambiguously, even when there are problems. */
  readonly answer?: Answer;
  /** Ways the body breaks the envelope contract, one line each; empty when it conforms. */
  readonly problems: string[];
  /** false when the body could not be parsed at all (not well-formed XML, not JSON). */
  readonly parsed: boolean;
}

/** Reads an answer body (already decoded to text) and lists every way it breaks the envelope contract. */
export function decodeAnswer(body: string, encoding: Encoding): DecodedAnswer {
  return encoding === 'XML' ? decodeXml(body) : decodeJson(body);
}

const DECLARATION =
  /^<\?xml\s+version\s*=\s*(["'])([^"']*)\1(?:\s+encoding\s*=\s*(["'])([^"']*)\3)?(?:\s+standalone\s*=\s*(["'])([^"']*)\5)?\s*\?>/;
const KNOWN_XML_ENCODINGS = new Set(['utf-8', 'iso-8859-1', 'us-ascii']);
const XML_SPACE = /^[ \t\r\n]*$/;

function decodeXml(body: string): DecodedAnswer {
  const problems: string[] = [];
  const text = body.startsWith('\uFEFF') ? body.slice(1) : body;
  if (/^<\?xml[ \t\r\n]/.test(text)) {
    const declaration = DECLARATION.exec(text);
    if (!declaration) {
      problems.push(`malformed XML declaration: ${quote(text.slice(0, text.indexOf('>') + 1 || 60))}`);
    } else {
      if (declaration[2] !== '1.0')
        problems.push(`XML declaration version is "${declaration[2]}", expected "1.0"`);
      const encoding = declaration[4];
      if (encoding !== undefined && !KNOWN_XML_ENCODINGS.has(encoding.toLowerCase())) {
        problems.push(`XML declaration names the encoding "${encoding}", expected UTF-8 or ISO-8859-1`);
      }
      if (declaration[6] !== undefined && declaration[6] !== 'yes' && declaration[6] !== 'no') {
        problems.push(`XML declaration has standalone="${declaration[6]}", expected yes or no`);
      }
    }
  } else if (!/^[ \t\r\n]+<\?xml[ \t\r\n]/.test(text)) {
    problems.push('no XML declaration'); // whitespace before one is a well-formedness error, reported below
  }

  if (text.trim() === '')
    return { problems: [...problems, 'the body is empty, expected an XML document'], parsed: false };
  const wellFormed = XMLValidator.validate(text);
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err;
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    return { problems: [...problems, `not well-formed XML: ${msg} (${where})`], parsed: false };
  }
  if (/<!DOCTYPE/i.test(text))
    problems.push('the answer carries a DOCTYPE declaration; documented answers have none');

  const nodes = parsedXmlNodes(text, problems);
  if (nodes === undefined) return { problems, parsed: false };
  const roots = nodes.filter(isElement);
  if (roots.length !== 1) {
    const names = roots.map((r) => `<${r.name}>`).join(', ');
    return {
      problems: [...problems, `not well-formed XML: ${roots.length} root elements (${names})`],
      parsed: false,
    };
  }
  const root = roots[0] as XmlElement;
  if (root.name !== 'response') {
    return { problems: [...problems, `root element is <${root.name}>, expected <response>`], parsed: true };
  }
  const answer = readXmlResponse(root, problems);
  return answer ? { answer, problems, parsed: true } : { problems, parsed: true };
}

function readXmlResponse(response: XmlElement, problems: string[]): Answer | undefined {
  const elements = childElements(response, problems);
  const params = elements.filter((e) => e.name === 'params');
  const faults = elements.filter((e) => e.name === 'fault');
  for (const e of elements) {
    if (e.name !== 'params' && e.name !== 'fault')
      problems.push(`unexpected element <${e.name}> in <response>`);
  }
  if (params.length > 0 && faults.length > 0) {
    problems.push('<response> holds both <params> and <fault>, expected exactly one');
    return undefined;
  }
  if (params.length === 0 && faults.length === 0) {
    problems.push('<response> holds neither <params> nor <fault>');
    return undefined;
  }
  if (params.length > 1) problems.push(`<response> holds ${params.length} <params> elements, expected one`);
  if (faults.length > 1) problems.push(`<response> holds ${faults.length} <fault> elements, expected one`);
  if (faults.length > 0)
    return faults.length === 1 ? readXmlFault(faults[0] as XmlElement, problems) : undefined;
  return { kind: 'success', params: readXmlParams(params[0] as XmlElement, problems) };
}

function readXmlFault(fault: XmlElement, problems: string[]): Answer | undefined {
  const elements = childElements(fault, problems);
  const codes = elements.filter((e) => e.name === 'code');
  for (const e of elements) if (e.name !== 'code') problems.push(`unexpected element <${e.name}> in <fault>`);
  if (codes.length === 0) {
    problems.push('<fault> has no <code>');
    return undefined;
  }
  if (codes.length > 1) {
    problems.push(`<fault> holds ${codes.length} <code> elements, expected one`);
    return undefined;
  }
  const code = codes[0] as XmlElement;
  if (code.children.some(isElement)) {
    problems.push('<code> holds child elements, expected an integer');
    return undefined;
  }
  const value = textOf(code, problems).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (value === '') {
    problems.push('fault code is empty');
    return undefined;
  }
  if (!/^[+-]?[0-9]+$/.test(value)) {
    problems.push(`fault code ${quote(value)} is not an integer`);
    return undefined;
  }
  return { kind: 'fault', code: Number(value) };
}

function readXmlParams(params: XmlElement, problems: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  const seen = new Map<string, number>();
  for (const e of childElements(params, problems)) {
    seen.set(e.name, (seen.get(e.name) ?? 0) + 1);
    if (e.children.some(isElement)) problems.push(`param <${e.name}> holds child elements, expected text`);
    if (!Object.hasOwn(values, e.name)) values[e.name] = textOf(e, problems).trim();
  }
  for (const [name, count] of seen) {
    if (count > 1) problems.push(`param <${name}> appears ${count} times in <params>`);
  }
  return values;
}

/** The element children of `e`; reports text that is not whitespace between them. */
function childElements(e: XmlElement, problems: string[]): XmlElement[] {
  for (const node of e.children) {
    if (!isElement(node) && !XML_SPACE.test(node.text)) {
      problems.push(`text ${quote(node.text.trim())} directly inside <${e.name}>`);
    }
  }
  return e.children.filter(isElement);
}

function textOf(e: XmlElement, problems: string[]): string {
  return e.children.map((node) => (isElement(node) ? textOf(node, problems) : node.text)).join('');
}

function decodeJson(body: string): DecodedAnswer {
  const problems: string[] = [];
  let text = body;
  if (text.startsWith('\uFEFF')) {
    problems.push('the JSON answer starts with a byte order mark (RFC 8259 forbids one)');
    text = text.slice(1);
  }
  if (text.trim() === '')
    return { problems: [...problems, 'the body is empty, expected JSON'], parsed: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problems: [...problems, `not JSON: ${(error as Error).message}`], parsed: false };
  }
  if (!isObject(value)) {
    return {
      problems: [...problems, `the answer is ${describeJson(value)}, expected a JSON object`],
      parsed: true,
    };
  }
  const keys = Object.keys(value);
  const wrapper = keys.length === 1 ? keys[0] : undefined;
  if (wrapper !== undefined && wrapper !== 'params' && wrapper !== 'fault' && isObject(value[wrapper])) {
    const inner = value[wrapper] as Record<string, unknown>;
    if ('params' in inner || 'fault' in inner) {
      problems.push(
        `the answer is wrapped in "${wrapper}"; the JSON answer drops the root, so "params" or "fault" belongs at the top level`,
      );
      return { problems, parsed: true };
    }
  }
  for (const key of keys) {
    if (key !== 'params' && key !== 'fault') problems.push(`unexpected member "${key}" at the top level`);
  }
  const hasParams = Object.hasOwn(value, 'params');
  const hasFault = Object.hasOwn(value, 'fault');
  if (hasParams && hasFault) {
    problems.push('both "params" and "fault" at the top level, expected exactly one');
    return { problems, parsed: true };
  }
  if (!hasParams && !hasFault) {
    problems.push('neither "params" nor "fault" at the top level');
    return { problems, parsed: true };
  }
  const answer = hasFault ? readJsonFault(value.fault, problems) : readJsonParams(value.params, problems);
  return answer ? { answer, problems, parsed: true } : { problems, parsed: true };
}

function readJsonParams(params: unknown, problems: string[]): Answer | undefined {
  if (!isObject(params)) {
    problems.push(`"params" is ${describeJson(params)}, expected an object`);
    return undefined;
  }
  const values: Record<string, string> = {};
  for (const [name, v] of Object.entries(params)) {
    if (v === null) continue; // no value: as if the parameter were left out
    values[name] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return { kind: 'success', params: values };
}

function readJsonFault(fault: unknown, problems: string[]): Answer | undefined {
  if (!isObject(fault)) {
    problems.push(`"fault" is ${describeJson(fault)}, expected an object`);
    return undefined;
  }
  for (const key of Object.keys(fault)) {
    if (key !== 'code') problems.push(`unexpected member "${key}" in "fault"`);
  }
  if (!Object.hasOwn(fault, 'code')) {
    problems.push('"fault" has no "code"');
    return undefined;
  }
  const code = fault.code;
  if (typeof code !== 'number') {
    problems.push(`fault code is ${describeJson(code)}, not a number`);
    return undefined;
  }
  if (!Number.isInteger(code)) {
    problems.push(`fault code is ${code}, not an integer`);
    return undefined;
  }
  return { kind: 'fault', code };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (value === undefined) return 'missing';
  return 'an object';
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
