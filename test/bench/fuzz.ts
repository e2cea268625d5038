// Figure 4: validated case_cancel calls a second in the property scenarios, driven the way the @fuzz steps drive
// them (support/fuzz/scenario.ts: a FuzzSession with the rig, checkProperty, every exchange appended to the
// run's exchange log), and the amortised cost of validating an answer in that loop.
import { appendFileSync } from 'node:fs';
import { clearValidationCache, validateResponse, validationStats } from '../../support/checks/schema.ts';
import { checkProperty } from '../../support/fuzz/check.ts';
import { type FuzzProperty, IN_RANGE, LITERALS, REFUSED, SEQUENCES } from '../../support/fuzz/properties.ts';
import { FuzzSession } from '../../support/fuzz/session.ts';
import type { Encoding, Exchange, TargetConfig } from '../../support/model.ts';
import { closeClient } from '../../support/wire/exchange.ts';
import type { ServerProcess } from './servers.ts';
import { type Summary, summarise } from './stats.ts';

const PROPERTIES: readonly FuzzProperty<unknown>[] = [
  IN_RANGE as FuzzProperty<unknown>,
  REFUSED as FuzzProperty<unknown>,
  LITERALS as FuzzProperty<unknown>,
  SEQUENCES as FuzzProperty<unknown>,
];

export interface FuzzIteration {
  readonly calls: Record<Encoding, number>;
  readonly ms: Record<Encoding, number>;
  /** Answers validated again, cold (empty memo), one at a time in the order the loop got them. */
  readonly responses: Record<Encoding, number>;
  readonly validationMs: Record<Encoding, number>;
  /** Answers libxml2 validated (distinct bodies, the memo emptied per encoding). */
  readonly xmlValidated: number;
  readonly requestsValidatedAhead: number;
  readonly aheadMs: number;
}

export interface FuzzFigures {
  readonly runsPerProperty: number;
  readonly properties: readonly string[];
  /** Validated calls a second over all properties and both encodings. */
  readonly callsPerSecond: Summary;
  readonly callsPerSecondByEncoding: Record<Encoding, Summary>;
  /** Amortised validation of one answer, ms. */
  readonly validationMsPerResponse: Record<Encoding, Summary>;
  /** Requests validated ahead of their runs (in batches), ms per request. */
  readonly aheadMsPerRequest: Summary;
  readonly callsPerIteration: number;
  readonly failures: readonly string[];
}

async function iterate(
  server: ServerProcess,
  seed: number,
  runs: number,
  exchangesFile: string,
  failures: string[],
): Promise<FuzzIteration> {
  const target: TargetConfig = {
    taskUrl: server.taskUrl,
    rigUrl: server.rigUrl,
    rigToken: server.rigToken,
    timeoutMs: 10_000,
    maxResponseBytes: 1024 * 1024,
  };
  const rig = server.rigUrl ? { url: server.rigUrl, token: server.rigToken } : undefined;
  const calls = { XML: 0, JSON: 0 };
  const ms = { XML: 0, JSON: 0 };
  const answers: Record<Encoding, string[]> = { XML: [], JSON: [] };
  let requestsValidatedAhead = 0;
  let aheadMs = 0;
  for (const encoding of ['XML', 'JSON'] as const) {
    for (const property of PROPERTIES) {
      const session = new FuzzSession(target, encoding, rig);
      session.onExchange = (exchange: Exchange) => {
        // what the scenario's world.keep does with every exchange of a property
        appendFileSync(
          exchangesFile,
          `${JSON.stringify({ scenario: 'bench', name: property.id, exchange })}\n`,
        );
        if (exchange.request.url === target.taskUrl && exchange.response)
          answers[encoding].push(exchange.response.body);
      };
      const outcome = await checkProperty(property, session, { seed, runs, timeLimitMs: 30_000 });
      if (outcome.counterexample) failures.push(`${outcome.key}: ${outcome.counterexample.message}`);
      if (outcome.interrupted) failures.push(`${outcome.key}: interrupted at its time limit`);
      calls[encoding] += session.calls;
      ms[encoding] += outcome.elapsedMs;
      requestsValidatedAhead += outcome.validation.requests;
      aheadMs += outcome.validation.ms;
    }
  }
  // The answers again, cold: what validating them cost in the loop, memo hits included.
  const validationMs = { XML: 0, JSON: 0 };
  const before = validationStats().xmlValidated;
  for (const encoding of ['XML', 'JSON'] as const) {
    clearValidationCache();
    const started = performance.now();
    for (const body of answers[encoding]) await validateResponse(body, encoding, 'case_cancel');
    validationMs[encoding] = performance.now() - started;
  }
  return {
    calls,
    ms,
    responses: { XML: answers.XML.length, JSON: answers.JSON.length },
    validationMs,
    xmlValidated: validationStats().xmlValidated - before,
    requestsValidatedAhead,
    aheadMs,
  };
}

export async function benchFuzz(
  server: ServerProcess,
  options: {
    readonly runs: number;
    readonly warmups: number;
    readonly runsPerProperty: number;
    readonly exchangesFile: string;
  },
): Promise<FuzzFigures> {
  const failures: string[] = [];
  const iterations: FuzzIteration[] = [];
  try {
    for (let i = 0; i < options.warmups + options.runs; i++) {
      clearValidationCache(); // each iteration validates as a fresh cucumber process would
      const iteration = await iterate(
        server,
        1000 + i,
        options.runsPerProperty,
        options.exchangesFile,
        failures,
      );
      if (i >= options.warmups) iterations.push(iteration);
    }
  } finally {
    await closeClient();
  }
  const perSecond = (it: FuzzIteration, encodings: readonly Encoding[]) =>
    encodings.reduce((n, e) => n + it.calls[e], 0) / (encodings.reduce((t, e) => t + it.ms[e], 0) / 1000);
  const perResponse = (encoding: Encoding) =>
    summarise(iterations.map((it) => it.validationMs[encoding] / Math.max(1, it.responses[encoding])));
  const first = iterations[0];
  return {
    runsPerProperty: options.runsPerProperty,
    properties: PROPERTIES.map((p) => p.id),
    callsPerSecond: summarise(iterations.map((it) => perSecond(it, ['XML', 'JSON']))),
    callsPerSecondByEncoding: {
      XML: summarise(iterations.map((it) => perSecond(it, ['XML']))),
      JSON: summarise(iterations.map((it) => perSecond(it, ['JSON']))),
    },
    validationMsPerResponse: { XML: perResponse('XML'), JSON: perResponse('JSON') },
    aheadMsPerRequest: summarise(iterations.map((it) => it.aheadMs / Math.max(1, it.requestsValidatedAhead))),
    callsPerIteration: first ? first.calls.XML + first.calls.JSON : 0,
    failures,
  };
}
