// The JSON encoding of the Task Interface: {"method", "params"} requests in, {"params"} / {"fault"} answers out.

import type { Deviations } from './deviations.ts';
import type { Answer, ParamValue } from './types.ts';
import { hasUtf8Bom, notACall, type ParsedCall } from './wire.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a JSON call (always UTF-8, an optional BOM skipped). */
export function parseJsonCall(raw: Buffer): ParsedCall {
  const body = hasUtf8Bom(raw) ? raw.subarray(3) : raw;
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'the body is not valid UTF-8';
    return notACall('malformed', `malformed JSON: ${detail}`);
  }
  if (!isObject(document))
    return notACall('not-a-call', 'a JSON call is an object with "method" and "params"');
  const method = Object.hasOwn(document, 'method') ? document.method : undefined;
  if (typeof method !== 'string' || method === '') {
    return notACall('not-a-call', 'a JSON call needs "method", a non-empty string');
  }
  const rawParams = Object.hasOwn(document, 'params') ? document.params : undefined;
  const params = isObject(rawParams)
    ? new Map<string, ParamValue>(
        Object.entries(rawParams).map(([name, value]) => [name, { encoding: 'JSON', value }]),
      )
    : undefined;
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
