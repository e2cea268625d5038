// A Task Interface call from encoding to judged answer: the request is written, checked against its schema (a
// request that fails is a harness bug and throws), sent, recorded, and its answer judged.

import { validateRequest, validationEpoch } from '../checks/schema.ts';
import type { CallResult, Encoding, Exchange, ParamValue, TargetConfig } from '../model.ts';
import { judgeAnswer } from './answer-judging.ts';
import { bodyBytes } from './charsets.ts';
import { httpExchange } from './exchange.ts';
import { type EncodedCall, encodeCall, type RequestForm } from './request-encoding.ts';

/**
 * The Task Interface's read methods: they change nothing (docs/spec/as-found.md), so one sent twice changes nothing
 * either, and it may go again after an interim 100 that undici would not read past.
 */
const READS: ReadonlySet<string> = new Set(['getportstatus', 'case_getstate']);

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
  const strict = opts.strictRequest !== false;
  const { body, contentType } =
    (await plannedRequest(method, params, encoding, opts.form, strict)) ??
    (await checkedRequest(method, params, encoding, opts.form, strict));
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
    repeatable: READS.has(method),
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
      const strict = call.strictRequest !== false;
      const encoded = encodeCall(call.method, call.params, call.encoding, call.form);
      const verdict = validateRequest(encoded.body, call.encoding, call.method, strict);
      if (call.params !== undefined) {
        planned.set(call.params, {
          method: call.method,
          encoding: call.encoding,
          form: call.form,
          strict,
          encoded,
          verdict,
          epoch: validationEpoch(),
        });
      }
      return verdict.then((errors) => throwIfInvalid(errors, call.method, call.encoding, strict));
    }),
  );
}

/**
 * The requests prevalidateCalls wrote and validated, by their params object: a callTask with that very object (and the
 * same method, encoding, form and strictness) sends the body written then, once its verdict is in, instead of writing
 * it and looking its verdict up again (a fuzz loop plans each call's params before its runs). Params are never
 * changed once made; an entry goes with its params object.
 */
const planned = new WeakMap<
  object,
  {
    readonly method: string;
    readonly encoding: Encoding;
    readonly form: RequestForm | undefined;
    readonly strict: boolean;
    readonly encoded: EncodedCall;
    readonly verdict: Promise<string[]>;
    /** The validation memo's epoch when it was validated: emptying the memo (clearValidationCache) forgets it too. */
    readonly epoch: number;
  }
>();

/** The planned request for these arguments, validated; undefined when there is none (or its validation could not run). */
async function plannedRequest(
  method: string,
  params: Readonly<Record<string, ParamValue>> | undefined,
  encoding: Encoding,
  form: RequestForm | undefined,
  strict: boolean,
): Promise<EncodedCall | undefined> {
  const entry = params === undefined ? undefined : planned.get(params);
  if (
    entry === undefined ||
    entry.method !== method ||
    entry.encoding !== encoding ||
    entry.form !== form ||
    entry.strict !== strict ||
    entry.epoch !== validationEpoch()
  )
    return undefined;
  let errors: string[];
  try {
    errors = await entry.verdict;
  } catch {
    return undefined; // no verdict (the validator failed to run): written and validated again, as any request
  }
  throwIfInvalid(errors, method, encoding, strict);
  return entry.encoded;
}

async function checkedRequest(
  method: string,
  params: Readonly<Record<string, ParamValue>> | undefined,
  encoding: Encoding,
  form: RequestForm | undefined,
  strict: boolean,
): Promise<EncodedCall> {
  const encoded = encodeCall(method, params, encoding, form);
  // parameters beside the method name are outside the envelope on purpose (a body no schema of a call accepts)
  if (form?.paramsBesideMethod) return encoded;
  throwIfInvalid(await validateRequest(encoded.body, encoding, method, strict), method, encoding, strict);
  return encoded;
}

function throwIfInvalid(
  errors: readonly string[],
  method: string,
  encoding: Encoding,
  strict: boolean,
): void {
  if (errors.length > 0) {
    const schema = strict ? 'strict' : 'envelope';
    throw new Error(`harness bug: request ${method} (${encoding}, ${schema}) invalid: ${errors.join('; ')}`);
  }
}
