// The XML and JSON encodings of a Task Interface call and its answer (docs/spec/case_cancel.md).
//
// Encoding writes exactly what a scenario asks for, including forms that are invalid on purpose.
// Decoding is tolerant of whatever XML and JSON themselves treat as equal (whitespace, <params/>
// against <params></params>, attribute and key order, a BOM, ISO-8859-1) and reports every way an
// answer breaks the wire contract as a one-line problem.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Answer, Encoding, ParamValue, RawJson, RawXml } from './types.ts';

/** How a request is written, beyond its method and parameters: the forms real clients send. */
export interface RequestForm {
  /** Content-Type header; default application/xml or application/json. */
  readonly contentType?: string;
  /** XML: standalone="yes" in the default declaration. */
  readonly standalone?: boolean;
  /** No whitespace between elements (XML) or tokens (JSON). */
  readonly compact?: boolean;
  /** Leave the params element (XML) or member (JSON) out entirely. */
  readonly omitParams?: boolean;
  /** XML: this declaration instead of the default one, verbatim; '' sends none. */
  readonly declaration?: string;
  /** The content of params verbatim instead of the encoded parameters: XML element content, or a JSON value such as `null` or `[4]`. */
  readonly rawParams?: string;
}

export interface EncodedCall {
  readonly body: string;
  readonly contentType: string;
}

export interface DecodedAnswer {
  /** Set whenever the kind (and the fault code) can be read unambiguously, even when there are problems. */
  readonly answer?: Answer;
  /** Ways the body breaks the envelope contract, one line each; empty when it conforms. */
  readonly problems: string[];
  /** false when the body could not be parsed at all (not well-formed XML, not JSON). */
  readonly parsed: boolean;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
export const XML_MEDIA_TYPE = 'application/xml';
export const JSON_MEDIA_TYPE = 'application/json';

export function mediaTypeFor(encoding: Encoding): string {
  return encoding === 'XML' ? XML_MEDIA_TYPE : JSON_MEDIA_TYPE;
}

// --- encoding ---------------------------------------------------------------------------------

/** Writes a call. Throws `harness bug: ...` for a value the encoding cannot carry. */
export function encodeCall(
  method: string,
  params: Readonly<Record<string, ParamValue>> | undefined,
  encoding: Encoding,
  form: RequestForm = {},
): EncodedCall {
  if (form.rawParams !== undefined && params !== undefined && Object.keys(params).length > 0) {
    throw new Error('harness bug: a request form with rawParams takes no params');
  }
  const contentType = form.contentType ?? mediaTypeFor(encoding);
  const body =
    encoding === 'XML'
      ? encodeXmlCall(method, params ?? {}, form)
      : encodeJsonCall(method, params ?? {}, form);
  return { body, contentType };
}

function encodeXmlCall(
  method: string,
  params: Readonly<Record<string, ParamValue>>,
  form: RequestForm,
): string {
  const compact = form.compact === true;
  const declaration =
    form.declaration ??
    (form.standalone ? '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' : XML_DECLARATION);
  const nl = compact ? '' : '\n';
  const lines: string[] = [];
  lines.push(`<methodcall>`);
  lines.push(`${indent(1, compact)}<name>${escapeXml(method)}</name>`);
  if (!form.omitParams) {
    if (form.rawParams !== undefined) {
      lines.push(`${indent(1, compact)}<params>${form.rawParams}</params>`);
    } else {
      const inner = Object.entries(params).flatMap(([name, value]) => xmlElements(name, value, 2, compact));
      if (inner.length === 0) lines.push(`${indent(1, compact)}<params/>`);
      else lines.push(`${indent(1, compact)}<params>`, ...inner, `${indent(1, compact)}</params>`);
    }
  }
  lines.push(`</methodcall>`);
  const document = lines.join(nl);
  return declaration === '' ? `${document}${nl}` : `${declaration}${nl}${document}${nl}`;
}

function xmlElements(name: string, value: ParamValue, depth: number, compact: boolean): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9._-]*$/.test(name))
    throw new Error(`harness bug: "${name}" is not an XML element name`);
  const pad = indent(depth, compact);
  if (Array.isArray(value))
    return value.flatMap((item) => xmlElements(name, item as ParamValue, depth, compact));
  if (value === null) return [`${pad}<${name}/>`];
  if (isRawXml(value)) return [`${pad}<${name}>${value.rawXml}</${name}>`];
  if (isRawJson(value)) throw new Error(`harness bug: the RawJson value of "${name}" cannot be sent in XML`);
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, ParamValue>).flatMap(([child, v]) =>
      xmlElements(child, v, depth + 1, compact),
    );
    if (inner.length === 0) return [`${pad}<${name}/>`];
    return [`${pad}<${name}>`, ...inner, `${pad}</${name}>`];
  }
  return [`${pad}<${name}>${escapeXml(scalarText(name, value))}</${name}>`];
}

function scalarText(name: string, value: number | string | boolean): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`harness bug: "${name}" is ${value}, which no encoding can carry as a number`);
  }
  return String(value);
}

function indent(depth: number, compact: boolean): string {
  return compact ? '' : '  '.repeat(depth);
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function encodeJsonCall(
  method: string,
  params: Readonly<Record<string, ParamValue>>,
  form: RequestForm,
): string {
  const compact = form.compact === true;
  const members: [string, string][] = [['method', JSON.stringify(method)]];
  if (!form.omitParams) members.push(['params', form.rawParams ?? jsonValue('params', params, compact)]);
  return jsonObject(members, compact);
}

function jsonValue(
  name: string,
  value: ParamValue | Readonly<Record<string, ParamValue>>,
  compact: boolean,
): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const items = value.map((item) => jsonValue(name, item as ParamValue, compact));
    return compact ? `[${items.join(',')}]` : `[${items.join(', ')}]`;
  }
  if (isRawJson(value)) return value.rawJson;
  if (isRawXml(value)) throw new Error(`harness bug: the RawXml value of "${name}" cannot be sent in JSON`);
  if (typeof value === 'object') {
    return jsonObject(
      Object.entries(value as Record<string, ParamValue>).map(([key, v]) => [
        key,
        jsonValue(key, v, compact),
      ]),
      compact,
    );
  }
  scalarText(name, value); // refuses what JSON cannot carry
  return JSON.stringify(value);
}

function jsonObject(members: readonly [string, string][], compact: boolean): string {
  const parts = members.map(([key, text]) => `${JSON.stringify(key)}${compact ? ':' : ': '}${text}`);
  return compact ? `{${parts.join(',')}}` : `{${parts.join(', ')}}`;
}

export function isRawXml(value: unknown): value is RawXml {
  return typeof value === 'object' && value !== null && typeof (value as RawXml).rawXml === 'string';
}

export function isRawJson(value: unknown): value is RawJson {
  return typeof value === 'object' && value !== null && typeof (value as RawJson).rawJson === 'string';
}

// --- decoding ---------------------------------------------------------------------------------

/** Reads an answer body (already decoded to text) and lists every way it breaks the envelope contract. */
export function decodeAnswer(body: string, encoding: Encoding): DecodedAnswer {
  return encoding === 'XML' ? decodeXml(body) : decodeJson(body);
}

/** The media type of a Content-Type header value, lower case, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/** The charset parameter of a Content-Type header value, lower case. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

/** The encoding an XML declaration names, as written; undefined without one. */
export function declaredXmlEncoding(text: string): string | undefined {
  return /^\uFEFF?<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1];
}

export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlNode[];
}
/** Text is kept apart from CDATA so that only text has its references resolved. */
export type XmlNode = XmlElement | { readonly text: string };

/**
 * Put before every element name the parser reports, and taken off again in toNodes: with it no name is one the
 * parser refuses (`constructor`, `prototype`, `__proto__` throw) or renames (`toString` becomes `__toString`),
 * so a controller that answers with such an element is reported by the name it used. `=` starts no XML name.
 */
const ELEMENT_MARK = '=';

const xmlParser = new XMLParser({
  preserveOrder: true,
  // called twice for an empty-element tag (`<a/>`): mark once; no XML name starts with the mark
  transformTagName: (name: string) => (name.startsWith(ELEMENT_MARK) ? name : ELEMENT_MARK + name),
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false, // resolved here, character references included
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  ignoreDeclaration: false,
  ignorePiTags: false,
});

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
  const simple = simpleXmlNodes(text);
  if (simple === undefined) {
    const wellFormed = XMLValidator.validate(text);
    if (wellFormed !== true) {
      const { msg, line, col } = wellFormed.err;
      const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
      return { problems: [...problems, `not well-formed XML: ${msg} (${where})`], parsed: false };
    }
  }
  if (/<!DOCTYPE/i.test(text))
    problems.push('the answer carries a DOCTYPE declaration; documented answers have none');

  const nodes = simple ?? parsedXmlNodes(text, problems);
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

function isElement(node: XmlNode): node is XmlElement {
  return 'name' in node;
}

/**
 * The nodes fast-xml-parser reads (the text must have passed its validator), or undefined with a problem when
 * the parser gives up on a text its validator passed (nesting deeper than it reads, say).
 */
export function parsedXmlNodes(text: string, problems: string[]): XmlNode[] | undefined {
  let items: unknown[];
  try {
    items = xmlParser.parse(text) as unknown[];
  } catch (error) {
    problems.push(`the XML answer could not be read: ${(error as Error).message}`);
    return undefined;
  }
  return toNodes(items, problems);
}

const SIMPLE_MAX_LENGTH = 16 * 1024;
const SIMPLE_MAX_DEPTH = 32;
const SIMPLE_NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;
/** Version 1.0, a plain encoding name, standalone yes or no, and only XML's spaces between. */
const SIMPLE_DECLARATION =
  /^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.0\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/;

interface OpenElement {
  readonly name: string;
  readonly children: XmlNode[];
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a;
}

/**
 * The nodes of a plain answer, read without the parser (the largest cost of an XML call in the client path,
 * docs/bench.md): an optional declaration, then elements with no attributes and no space in their tags,
 * holding elements and text, with no comment, CDATA, processing instruction, reference, BOM, `>` or CR
 * anywhere. The parser reads such a text to the same nodes, and its validator accepts it
 * (test/harness-xml-simple.test.ts compares them). Anything else gives undefined: the parser reads it.
 */
export function simpleXmlNodes(text: string): XmlNode[] | undefined {
  if (text.length > SIMPLE_MAX_LENGTH || /[&\r\uFEFF]/.test(text)) return undefined;
  let index = 0;
  if (text.startsWith('<?')) {
    const declaration = SIMPLE_DECLARATION.exec(text);
    if (declaration === null) return undefined;
    index = declaration[0].length;
    while (isSpace(text.charCodeAt(index))) index++;
  }
  const open: OpenElement[] = [];
  let root: XmlElement | undefined;
  while (root === undefined) {
    const lt = text.indexOf('<', index);
    if (lt === -1) return undefined;
    if (lt > index) {
      const parent = open[open.length - 1];
      const segment = text.slice(index, lt);
      if (parent === undefined || segment.includes('>')) return undefined;
      parent.children.push({ text: segment });
    }
    if (text.charCodeAt(lt + 1) === 0x2f) {
      // </name>
      SIMPLE_NAME.lastIndex = lt + 2;
      const name = SIMPLE_NAME.exec(text)?.[0];
      const element = open.pop();
      if (name === undefined || element === undefined || name !== element.name) return undefined;
      if (text.charCodeAt(lt + 2 + name.length) !== 0x3e) return undefined;
      index = lt + 3 + name.length;
      root = closeElement(open, { name: element.name, children: element.children });
      continue;
    }
    SIMPLE_NAME.lastIndex = lt + 1;
    const name = SIMPLE_NAME.exec(text)?.[0];
    if (name === undefined) return undefined;
    const end = lt + 1 + name.length;
    if (text.charCodeAt(end) === 0x3e) {
      // <name>
      if (open.length >= SIMPLE_MAX_DEPTH) return undefined;
      open.push({ name, children: [] });
      index = end + 1;
    } else if (text.charCodeAt(end) === 0x2f && text.charCodeAt(end + 1) === 0x3e) {
      // <name/>
      root = closeElement(open, { name, children: [] });
      index = end + 2;
    } else {
      return undefined;
    }
  }
  for (; index < text.length; index++) {
    if (!isSpace(text.charCodeAt(index))) return undefined;
  }
  return [root];
}

/** Adds a complete element to the one it is in; returns it when it is the root. */
function closeElement(open: readonly OpenElement[], element: XmlElement): XmlElement | undefined {
  const parent = open[open.length - 1];
  if (parent === undefined) return element;
  parent.children.push(element);
  return undefined;
}

/** fast-xml-parser's ordered output to elements and text; comments and PIs dropped, references resolved. */
function toNodes(items: readonly unknown[], problems: string[]): XmlNode[] {
  const nodes: XmlNode[] = [];
  for (const item of items) {
    const entry = item as Record<string, unknown>;
    const key = Object.keys(entry).find((k) => k !== ':@');
    if (key === undefined || key === '#comment' || key.startsWith('?') || key.startsWith('!')) continue;
    if (key === '#text') {
      const raw = String(entry[key]).replace(/^\uFEFF/, '');
      nodes.push({ text: resolveReferences(raw, problems) });
    } else if (key === '#cdata') {
      const inner = (entry[key] as { '#text'?: unknown }[]).map((t) => String(t['#text'] ?? '')).join('');
      nodes.push({ text: inner });
    } else {
      const name = key.startsWith(ELEMENT_MARK) ? key.slice(ELEMENT_MARK.length) : key;
      nodes.push({ name, children: toNodes(entry[key] as unknown[], problems) });
    }
  }
  return nodes;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function resolveReferences(text: string, problems: string[]): string {
  return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const codePoint = ref.startsWith('#x')
        ? Number.parseInt(ref.slice(2), 16)
        : Number.parseInt(ref.slice(1), 10);
      if (codePoint >= 1 && codePoint <= 0x10ffff) return String.fromCodePoint(codePoint);
      problems.push(`character reference ${whole} names no XML character`);
      return whole;
    }
    const predefined = PREDEFINED[ref];
    if (predefined !== undefined) return predefined;
    problems.push(`entity reference ${whole} is not one of XML's predefined entities`);
    return whole;
  });
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
