// The wire layer lives in support/wire/; this path re-exports it for the modules that still import it from here
// (the runner, the World, site/ and fuzz/). New code imports support/wire/ directly.

export { closeClient, type ExchangeOutcome, type ExchangeSpec, httpExchange } from '../wire/exchange.ts';
export { type FailureKind, failureKind } from '../wire/failures.ts';
export { preflight } from '../wire/preflight.ts';
export { type RawRequest, sendRaw } from '../wire/raw-request.ts';
export { type CallOptions, callTask, type PlannedCall, prevalidateCalls } from '../wire/task-call.ts';
