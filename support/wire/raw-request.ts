// Exactly the request given, for the robustness scenarios: a wrong verb, path or type, huge or broken bodies.

import type { Exchange, TargetConfig } from '../model.ts';
import { httpExchange } from './exchange.ts';
import { evidenceOf } from './request-evidence.ts';

export interface RawRequest {
  /** HTTP verb; default POST. */
  readonly method?: string;
  /** A path on the task URL's origin, e.g. `/api/v2/other`. */
  readonly path?: string;
  /** A whole URL; default the task URL. */
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The body sent chunked, without a Content-Length. */
  readonly chunked?: boolean;
  readonly label?: string;
  readonly record?: (exchange: Exchange) => void;
}

/** Sends exactly the request given (robustness scenarios: wrong verb, path, type, huge or broken bodies). */
export async function sendRaw(target: TargetConfig, raw: RawRequest): Promise<Exchange> {
  const url =
    raw.url ?? (raw.path !== undefined ? new URL(raw.path, target.taskUrl).toString() : target.taskUrl);
  const method = raw.method ?? 'POST';
  const bytes =
    raw.body === undefined
      ? undefined
      : typeof raw.body === 'string'
        ? Buffer.from(raw.body, 'utf8')
        : raw.body;
  const { exchange } = await httpExchange({
    label: raw.label ?? `${method} ${new URL(url).pathname}`,
    method,
    url,
    headers: raw.headers ?? {},
    body: bytes,
    evidenceBody: bytes === undefined ? '' : evidenceOf(bytes),
    ...(raw.chunked ? { chunked: true } : {}),
    timeoutMs: target.timeoutMs,
    maxResponseBytes: target.maxResponseBytes,
  });
  raw.record?.(exchange);
  return exchange;
}
