// Before a run: does anything answer HTTP at the target's URL? Any status counts as answering.

import { httpExchange } from './exchange.ts';

const PREFLIGHT_TIMEOUT_MS = 3_000;

/** A one-line cause when nothing answers HTTP at `url` (any HTTP status counts as answering), else undefined. */
export async function preflight(url: string, timeoutMs = PREFLIGHT_TIMEOUT_MS): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `not an HTTP URL: ${url}`;
  const { exchange } = await httpExchange({
    label: 'preflight',
    method: 'GET',
    url,
    headers: {},
    body: undefined,
    evidenceBody: '',
    timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  if (exchange.response) return undefined;
  return exchange.error ?? 'no answer';
}
