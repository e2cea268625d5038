// What went wrong with an exchange, said in words about what the target did, and the kind of failure those
// words name (a timeout makes a verdict INCONCLUSIVE; a refusal or a reset does not).

import type { Exchange } from '../target/types.ts';

/** What went wrong with an exchange, as a kind the verdict logic can branch on (timeout → INCONCLUSIVE). */
export type FailureKind =
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'reset'
  | 'not-http'
  | 'too-large'
  | 'other';

/** The kind of failure an exchange's error describes; undefined when it completed. */
export function failureKind(exchange: Exchange): FailureKind | undefined {
  const error = exchange.error;
  if (error === undefined) return undefined;
  if (error.startsWith('no answer within') || error.includes('not complete within')) return 'timeout';
  if (error.startsWith('connection refused')) return 'refused';
  if (error.startsWith('host not found') || error.startsWith('no connection to')) return 'unreachable';
  if (error.startsWith('connection reset') || error.startsWith('connection closed')) return 'reset';
  if (error.startsWith('answered bytes that are not HTTP')) return 'not-http';
  if (error.startsWith('the answer exceeded')) return 'too-large';
  return 'other';
}

export interface FailureContext {
  readonly hostPort: string;
  readonly hostname: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Set once the status line and headers arrived. */
  readonly bodyBytes?: number;
}

/** The failure in words about what the target did. */
export function describeFailure(error: unknown, ctx: FailureContext): string {
  const inBody = ctx.bodyBytes !== undefined;
  if (ctx.signal.aborted) {
    return inBody
      ? `the answer was not complete within ${ctx.timeoutMs} ms (${ctx.bodyBytes} bytes of the body read)`
      : `no answer within ${ctx.timeoutMs} ms`;
  }
  const codes = errorCodes(error);
  const has = (...wanted: string[]) => wanted.some((c) => codes.includes(c));
  if (codes.some((c) => c.startsWith('HPE_')) || (error as Error)?.name === 'HTTPParserError') {
    return `answered bytes that are not HTTP (${oneLine(error)})`;
  }
  if (has('ECONNREFUSED')) return `connection refused by ${ctx.hostPort}`;
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME')) return `host not found: ${ctx.hostname}`;
  if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH')) {
    return `no connection to ${ctx.hostPort} (${oneLine(error)})`;
  }
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) {
    return inBody
      ? `connection reset after ${ctx.bodyBytes} bytes of the answer`
      : `connection closed by ${ctx.hostPort} without an answer`;
  }
  return `request failed: ${oneLine(error)}`;
}

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}
