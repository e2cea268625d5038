// XSD and JSON Schema validation of the bodies that cross the wire, memoised by bytes.
//
// XML is validated in this thread by libxml2 (xsd.ts), each XSD compiled once, each body as the very bytes the
// client sends (wire/charsets.ts bodyBytes: Latin-1 where the declaration says so), a fraction of a millisecond
// a body. ajv compiles each JSON Schema once. A verdict is memoised by (encoding, schema, body): the fuzz loops
// send the same bodies again and again.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Encoding } from '../model.ts';
import { bodyBytes } from '../wire/charsets.ts';
import { XsdSchema } from './xsd.ts';

/** The logical schemas; each exists as an XSD (XML) and a JSON Schema (JSON) in schemas/. */
export type SchemaName = 'case_cancel.response' | 'task.response' | 'case_cancel.request' | 'methodcall';

/** One XML body to validate against one schema. */
export interface XmlItem {
  readonly body: string;
  readonly schema: SchemaName;
}

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);
const CACHE_LIMIT = 10_000;

export function schemaFile(schema: SchemaName, encoding: Encoding): string {
  return encoding === 'XML' ? `${schema}.xsd` : `${schema}.schema.json`;
}

/** The schema an answer of `method` is held to: case_cancel has its own, other methods the generic one. */
export function responseSchemaFor(method: string): SchemaName {
  return method === 'case_cancel' ? 'case_cancel.response' : 'task.response';
}

/** Strict requests of case_cancel meet its own schema; everything else (and any non-strict request) the envelope. */
export function requestSchemaFor(method: string, strict: boolean): SchemaName {
  return strict && method === 'case_cancel' ? 'case_cancel.request' : 'methodcall';
}

export function validateResponse(body: string, encoding: Encoding, method: string): Promise<string[]> {
  return validate(responseSchemaFor(method), encoding, body);
}

export function validateRequest(
  body: string,
  encoding: Encoding,
  method: string,
  strict: boolean,
): Promise<string[]> {
  return validate(requestSchemaFor(method, strict), encoding, body);
}

/** One-line errors of `body` against `schema` in `encoding`; empty when valid. */
export async function validate(schema: SchemaName, encoding: Encoding, body: string): Promise<string[]> {
  const key = `${encoding}\0${schema}\0${bodyKey(body)}`;
  let pending = cache.get(key);
  if (pending) {
    stats.cacheHits++;
    cache.delete(key); // LRU: move to the newest end
    cache.set(key, pending);
  } else {
    pending = encoding === 'XML' ? validateXml(schema, body) : validateJson(schema, body);
    cache.set(key, pending);
    if (cache.size > CACHE_LIMIT) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    pending.catch(() => cache.delete(key)); // a failed run is not a verdict: try again next time
  }
  return [...(await pending)];
}

/** Validates many XML bodies (the fuzz loop); results are in the order of `items`. */
export function validateXmlBatch(items: readonly XmlItem[]): Promise<string[][]> {
  return Promise.all(items.map((item) => validate(item.schema, 'XML', item.body)));
}

/** sha256 of every schema file, for certification bundles. */
export async function schemaHashes(): Promise<Record<string, string>> {
  const names = (await readdir(SCHEMA_DIR)).filter((n) => n.endsWith('.xsd') || n.endsWith('.json')).sort();
  const hashes: Record<string, string> = {};
  for (const name of names) {
    hashes[name] = createHash('sha256')
      .update(await readFile(new URL(name, SCHEMA_DIR)))
      .digest('hex');
  }
  return hashes;
}

/** Counters for tests and benchmarks: how much work validation really did. */
export function validationStats(): {
  /** XML bodies libxml2 parsed and validated (the memo did not know them). */
  xmlValidated: number;
  cacheHits: number;
  cacheSize: number;
} {
  return { ...stats, cacheSize: cache.size };
}

/** Empties the memo (tests measure cold validation with it); verdicts kept elsewhere from before are stale too. */
export function clearValidationCache(): void {
  cache.clear();
  epoch++;
}

/** Changes whenever the memo is emptied: a verdict kept with an older epoch (wire/task-call.ts) is not used. */
export function validationEpoch(): number {
  return epoch;
}

let epoch = 0;

// --- memo -------------------------------------------------------------------------------------

const cache = new Map<string, Promise<readonly string[]>>();
const stats = { xmlValidated: 0, cacheHits: 0 };

/** Bodies up to this many characters are their own key; longer ones are keyed by their sha256. */
const KEY_AS_IS_CHARS = 1024;

/**
 * A body as part of a memo key. A call's bodies are a few hundred characters: hashing each of them was 3 % of the
 * client path's time (two a call), where a short string is a key as it is. With CACHE_LIMIT entries, at most about
 * 10 MB of keys; longer bodies are hashed. The prefix keeps the two kinds of key apart.
 */
function bodyKey(body: string): string {
  return body.length <= KEY_AS_IS_CHARS
    ? `=${body}`
    : `#${createHash('sha256').update(body).digest('base64')}`;
}

// --- XML: libxml2 in this thread ------------------------------------------------------------

const xsds = new Map<SchemaName, XsdSchema>();

/** The schema, compiled on first use and kept for the life of the process. */
function xsdSchema(schema: SchemaName): XsdSchema {
  let compiled = xsds.get(schema);
  if (!compiled) {
    compiled = XsdSchema.compile(readFileSync(new URL(`${schema}.xsd`, SCHEMA_DIR)), `${schema}.xsd`);
    xsds.set(schema, compiled);
  }
  return compiled;
}

/**
 * One-line problems of the bytes `xml` against `schema`, empty when valid; not memoised. libxml2 reads the
 * bytes as their BOM or declaration says.
 */
export function validateXmlBytes(schema: SchemaName, xml: Uint8Array): string[] {
  const problems = xsdSchema(schema).validate(xml);
  stats.xmlValidated++;
  return problems;
}

async function validateXml(schema: SchemaName, body: string): Promise<readonly string[]> {
  return validateXmlBytes(schema, bodyBytes(body, 'XML'));
}

// --- JSON: ajv, compiled once -----------------------------------------------------------------

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const compiled = new Map<SchemaName, Promise<ValidateFunction>>();

function jsonValidator(schema: SchemaName): Promise<ValidateFunction> {
  let validator = compiled.get(schema);
  if (!validator) {
    validator = readFile(new URL(`${schema}.schema.json`, SCHEMA_DIR), 'utf8').then((text) =>
      ajv.compile(JSON.parse(text) as object),
    );
    compiled.set(schema, validator);
  }
  return validator;
}

async function validateJson(schema: SchemaName, body: string): Promise<readonly string[]> {
  const check = await jsonValidator(schema);
  let value: unknown;
  try {
    // a BOM is the codec's finding; the schema judges what follows it
    value = JSON.parse(body.startsWith('\uFEFF') ? body.slice(1) : body);
  } catch (error) {
    return [`not JSON: ${error instanceof Error ? error.message : String(error)}`];
  }
  if (check(value)) return [];
  return (check.errors ?? []).map(formatAjvError);
}

function formatAjvError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '/' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  let detail = '';
  if (error.keyword === 'additionalProperties') detail = ` (${JSON.stringify(params.additionalProperty)})`;
  else if (error.keyword === 'const') detail = ` (${JSON.stringify(params.allowedValue)})`;
  else if (error.keyword === 'enum') detail = ` (${JSON.stringify(params.allowedValues)})`;
  return `${where}: ${error.message ?? error.keyword}${detail}`;
}
