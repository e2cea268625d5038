// XSD and JSON Schema validation of the bodies that cross the wire, memoised by bytes and batched.
//
// An xmllint run costs a worker start whatever it validates (xmllint.ts), so XML validation is memoised by
// (schema, bytes) and every validation requested in one tick of the event loop goes to xmllint in one run per
// schema. ajv compiles each JSON Schema once.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Encoding } from '../target/types.ts';
import { bodyBytes } from '../wire/charsets.ts';
import { xmllint } from './xmllint.ts';

/** The logical schemas; each exists as an XSD (XML) and a JSON Schema (JSON) in schemas/. */
export type SchemaName = 'case_cancel.response' | 'task.response' | 'case_cancel.request' | 'methodcall';

/** One XML body to validate against one schema. */
export interface XmlItem {
  readonly body: string;
  readonly schema: SchemaName;
}

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);
const CACHE_LIMIT = 10_000;
/** xmllint holds every file of a call in wasm memory: keep one call well under its limit. */
const BATCH_MAX_BYTES = 8 * 1024 * 1024;
const BATCH_MAX_FILES = 2_000;

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
  const key = `${encoding}\0${schema}\0${sha256(body)}`;
  let pending = cache.get(key);
  if (pending) {
    stats.cacheHits++;
    cache.delete(key); // LRU: move to the newest end
    cache.set(key, pending);
  } else {
    pending = encoding === 'XML' ? enqueueXml(schema, body) : validateJson(schema, body);
    cache.set(key, pending);
    if (cache.size > CACHE_LIMIT) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    pending.catch(() => cache.delete(key)); // a failed run is not a verdict: try again next time
  }
  return [...(await pending)];
}

/**
 * Validates many XML bodies at once (the fuzz loop): one xmllint call per schema for all bodies not
 * seen before. Results are in the order of `items`.
 */
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
  xmllintRuns: number;
  xmlFilesValidated: number;
  cacheHits: number;
  cacheSize: number;
} {
  return { ...stats, cacheSize: cache.size };
}

/** Empties the memo (tests measure cold validation with it). */
export function clearValidationCache(): void {
  cache.clear();
}

// --- memo -------------------------------------------------------------------------------------

const cache = new Map<string, Promise<readonly string[]>>();
const stats = { xmllintRuns: 0, xmlFilesValidated: 0, cacheHits: 0 };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

// --- XML: micro-batched xmllint ---------------------------------------------------------------

interface Waiting {
  readonly bytes: Uint8Array;
  readonly resolve: (errors: readonly string[]) => void;
  readonly reject: (error: unknown) => void;
}

const waiting = new Map<SchemaName, Waiting[]>();
let flushScheduled = false;

function enqueueXml(schema: SchemaName, body: string): Promise<readonly string[]> {
  return new Promise((resolve, reject) => {
    const queue = waiting.get(schema) ?? [];
    // libxml2 reads bytes as the declaration says: the very bytes the client sends (Latin-1 where declared)
    queue.push({ bytes: bodyBytes(body, 'XML'), resolve, reject });
    waiting.set(schema, queue);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush); // after this tick: everything requested meanwhile shares one xmllint call
    }
  });
}

function flush(): void {
  flushScheduled = false;
  const queues = [...waiting];
  waiting.clear();
  for (const [schema, queue] of queues) {
    for (const chunk of chunks(queue)) void validateBatch(schema, chunk);
  }
}

function chunks(queue: readonly Waiting[]): Waiting[][] {
  const out: Waiting[][] = [];
  let current: Waiting[] = [];
  let bytes = 0;
  for (const item of queue) {
    if (
      current.length > 0 &&
      (current.length >= BATCH_MAX_FILES || bytes + item.bytes.length > BATCH_MAX_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

async function validateBatch(schema: SchemaName, batch: readonly Waiting[]): Promise<void> {
  const names = batch.map((_, i) => `body${i}.xml`);
  let output: string;
  try {
    const xsd = await xsdText(schema);
    stats.xmllintRuns++;
    stats.xmlFilesValidated += batch.length;
    output = await xmllint(
      batch.map((item, i) => ({ fileName: names[i] as string, contents: item.bytes })),
      { fileName: `${schema}.xsd`, contents: xsd },
    );
  } catch (error) {
    for (const item of batch) item.reject(error);
    return;
  }
  const verdicts = parseXmllintOutput(output, names);
  batch.forEach((item, i) => {
    item.resolve(verdicts[i] ?? [`xmllint gave no verdict: ${firstLine(output)}`]);
  });
}

/** Per file: [] when it validates, else its one-line errors; undefined when xmllint said nothing about it. */
function parseXmllintOutput(output: string, names: readonly string[]): (string[] | undefined)[] {
  const index = new Map(names.map((name, i) => [name, i]));
  const errors: string[][] = names.map(() => []);
  const valid: boolean[] = names.map(() => false);
  const failed: boolean[] = names.map(() => false);
  for (const line of output.split('\n')) {
    const verdict = /^(body\d+\.xml) (validates|fails to validate)$/.exec(line.trim());
    if (verdict) {
      const i = index.get(verdict[1] as string);
      if (i !== undefined) {
        if (verdict[2] === 'validates') valid[i] = true;
        else failed[i] = true;
      }
      continue;
    }
    const located = /^(body\d+\.xml):(\d+): (.*)$/.exec(line);
    if (!located) continue; // the echoed source line and caret under a parser error
    const i = index.get(located[1] as string);
    if (i === undefined) continue;
    const message = (located[3] as string).trim();
    if (/\bwarning\s*:/.test(message)) continue;
    errors[i]?.push(`line ${located[2]}: ${tidyXmllintMessage(message)}`);
  }
  return names.map((_, i) => {
    if (valid[i]) return [];
    const own = errors[i] ?? [];
    if (own.length > 0) return own;
    return failed[i] ? ['fails to validate'] : undefined;
  });
}

function tidyXmllintMessage(message: string): string {
  return message
    .replace(/^(?:element \S+: )?Schemas validity error : /, '')
    .replace(/^(?:element \S+: )?(?:parser|namespace) error : /, 'not well-formed XML: ')
    .replace(/\s+/g, ' ');
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? 'no output').trim();
}

const xsdTexts = new Map<SchemaName, Promise<string>>();
function xsdText(schema: SchemaName): Promise<string> {
  let text = xsdTexts.get(schema);
  if (!text) {
    text = readFile(new URL(`${schema}.xsd`, SCHEMA_DIR), 'utf8');
    xsdTexts.set(schema, text);
  }
  return text;
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
