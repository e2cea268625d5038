// Writing a Task Interface call in XML or JSON (docs/spec/case_cancel.md): exactly what a scenario asks for,
// including forms that are invalid on purpose.

import type { Encoding, ParamValue, RawJson, RawXml } from '../model.ts';
import { escapeXml, isXmlName } from '../xml-escape.ts';
import { mediaTypeFor } from './media-types.ts';

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
  /**
   * No params element (XML) or member (JSON): the parameters written beside the method name instead, as children of
   * `<methodcall>` or members of the JSON object (what a controller that reads them from there would take as a call).
   */
  readonly paramsBesideMethod?: boolean;
  /** XML: this declaration instead of the default one, verbatim; '' sends none. */
  readonly declaration?: string;
  /** The content of params verbatim instead of the encoded parameters: XML element content, or a JSON value such as `null` or `[4]`. */
  readonly rawParams?: string;
  /**
   * The whole body this many bytes (UTF-8), with spaces (which both encodings ignore) before the closing
   * `</methodcall>` (XML) or the last `}` (JSON): a call of an exact size.
   */
  readonly padTo?: number;
}

export interface EncodedCall {
  readonly body: string;
  readonly contentType: string;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

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
  return { body: form.padTo === undefined ? body : padCall(body, encoding, form.padTo), contentType };
}

/** The call with spaces before its closing tag or brace, so that it is `bytes` bytes long in UTF-8. */
function padCall(body: string, encoding: Encoding, bytes: number): string {
  const close = encoding === 'XML' ? body.lastIndexOf('</methodcall>') : body.lastIndexOf('}');
  const missing = bytes - Buffer.byteLength(body, 'utf8');
  if (close < 0 || missing < 0 || !Number.isSafeInteger(bytes))
    throw new Error(
      `harness bug: a call of ${Buffer.byteLength(body, 'utf8')} bytes cannot be padded to ${bytes}`,
    );
  return `${body.slice(0, close)}${' '.repeat(missing)}${body.slice(close)}`;
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
  if (form.paramsBesideMethod) {
    lines.push(...Object.entries(params).flatMap(([name, value]) => xmlElements(name, value, 1, compact)));
  } else if (!form.omitParams) {
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
  if (!isXmlName(name)) throw new Error(`harness bug: "${name}" is not an XML element name`);
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

function encodeJsonCall(
  method: string,
  params: Readonly<Record<string, ParamValue>>,
  form: RequestForm,
): string {
  const compact = form.compact === true;
  const members: [string, string][] = [['method', JSON.stringify(method)]];
  if (form.paramsBesideMethod) {
    for (const [name, value] of Object.entries(params)) members.push([name, jsonValue(name, value, compact)]);
  } else if (!form.omitParams) {
    members.push(['params', form.rawParams ?? jsonValue('params', params, compact)]);
  }
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
