// A Task Interface call from encoding to judged answer: the request is written, checked against its schema (a
// request that fails is a harness bug and throws), sent, recorded, and its answer judged.

import { validateRequest } from '../checks/schema.ts';
import type { CallResult, Encoding, Exchange, ParamValue, TargetConfig } from '../model.ts';
import { judgeAnswer } from './answer-judging.ts';
import { bodyBytes } from './charsets.ts';
import { httpExchange } from './exchange.ts';
import { encodeCall, type RequestForm } from './request-encoding.ts';

export interface CallOptions {
  /** Names the exchange in the evidence; default `<method> (<encoding>)`. */
  readonly label?: string;
  readonly form?: RequestForm;
  /** false for requests invalid in value on purpose: only the envelope schema is checked. */
  readonly strictRequest?: boolean;
  readonly record?: (exchange: Exchange) => void;
}

/**
 * One Task Interface call: encodes, validates the request (a request that fails is a harness bug and
 * throws), sends it within `target.timeoutMs`, records the exchange and lists every contract problem.
 */
export async function callTask(
  target: TargetConfig,
  method: string,
  params: Readonly<Record<string, ParamValue>> | undefined,
  encoding: Encoding,
  opts: CallOptions = {},
): Promise<CallResult> {
  const { body, contentType } = encodeCall(method, params, encoding, opts.form);
  await checkRequest(body, method, encoding, opts.strictRequest !== false);
  const outcome = await httpExchange({
    label: opts.label ?? `${method} (${encoding})`,
    method: 'POST',
    url: target.taskUrl,
    headers: { 'content-type': contentType },
    body: bodyBytes(body, encoding),
    evidenceBody: body,
    timeoutMs: target.timeoutMs,
    maxResponseBytes: target.maxResponseBytes,
    expect: encoding,
  });
  opts.record?.(outcome.exchange);
  return { exchange: outcome.exchange, ...(await judgeAnswer(outcome, method, encoding)) };
}

/** A call a fuzz loop is about to make: what prevalidateCalls encodes and checks. */
export interface PlannedCall {
  readonly method: string;
  readonly params: Readonly<Record<string, ParamValue>> | undefined;
  readonly encoding: Encoding;
  readonly form?: RequestForm;
  readonly strictRequest?: boolean;
}

/**
 * Validates many requests ahead of their calls, so that the callTask of each finds its verdict memoised.
 * Throws `harness bug: ...` for the first invalid one.
 */
export async function prevalidateCalls(calls: readonly PlannedCall[]): Promise<void> {
  await Promise.all(
    calls.map((call) => {
      const { body } = encodeCall(call.method, call.params, call.encoding, call.form);
      return checkRequest(body, call.method, call.encoding, call.strictRequest !== false);
    }),
  );
}

async function checkRequest(
  body: string,
  method: string,
  encoding: Encoding,
  strict: boolean,
): Promise<void> {
  const errors = await validateRequest(body, encoding, method, strict);
  if (errors.length > 0) {
    const schema = strict ? 'strict' : 'envelope';
    throw new Error(`harness bug: request ${method} (${encoding}, ${schema}) invalid: ${errors.join('; ')}`);
  }
}
