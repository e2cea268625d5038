// What went wrong with an exchange, said in words about what the target did, and the kind of failure those
// words name (a timeout makes a verdict INCONCLUSIVE; a refusal or a reset does not).

import type { Exchange } from '../model.ts';
import { describeTlsFailure } from './tls.ts';

/** What went wrong with an exchange, as a kind the verdict logic can branch on (timeout → INCONCLUSIVE). */
export type FailureKind = NonNullable<Exchange['failure']>;

/** The kind of failure an exchange met; undefined when it completed. */
export function failureKind(exchange: Exchange): FailureKind | undefined {
  if (exchange.error === undefined) return undefined;
  return exchange.failure ?? 'other';
}

/** A failure as data: its kind, for the verdict logic, and its words, for a person. */
export interface Failure {
  readonly kind: FailureKind;
  readonly message: string;
}

export interface FailureContext {
  readonly hostPort: string;
  readonly hostname: string;
  /** The exchange's deadline: aborted once it passed. */
  readonly signal: { readonly aborted: boolean };
  readonly timeoutMs: number;
  /** Set once the status line and headers arrived. */
  readonly bodyBytes?: number;
}

/** The failure: its kind, and words about what the target did. */
export function describeFailure(error: unknown, ctx: FailureContext): Failure {
  const inBody = ctx.bodyBytes !== undefined;
  if (ctx.signal.aborted) {
    return failure(
      'timeout',
      inBody
        ? `the answer was not complete within ${ctx.timeoutMs} ms (${ctx.bodyBytes} bytes of the body read)`
        : `no answer within ${ctx.timeoutMs} ms`,
    );
  }
  const codes = errorCodes(error);
  const has = (...wanted: string[]) => wanted.some((c) => codes.includes(c));
  if (codes.some((c) => c.startsWith('HPE_')) || (error as Error)?.name === 'HTTPParserError') {
    return failure('not-http', `answered bytes that are not HTTP (${oneLine(error)})`);
  }
  const tls = describeTlsFailure(codes, ctx.hostPort, ctx.hostname);
  if (tls) return tls;
  if (has('ECONNREFUSED')) return failure('refused', `connection refused by ${ctx.hostPort}`);
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME'))
    return failure('unreachable', `host not found: ${ctx.hostname}`);
  if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH')) {
    return failure('unreachable', `no connection to ${ctx.hostPort} (${oneLine(error)})`);
  }
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) {
    return failure(
      'reset',
      inBody
        ? `connection reset after ${ctx.bodyBytes} bytes of the answer`
        : `connection closed by ${ctx.hostPort} without an answer`,
    );
  }
  return failure('other', `request failed: ${oneLine(error)}`);
}

function failure(kind: FailureKind, message: string): Failure {
  return { kind, message };
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
