// Figure 4: validated case_cancel calls a second in the property scenarios, driven the way the @fuzz steps drive
// them (support/fuzz/scenario.ts: a FuzzSession with the rig, checkProperty with each property's own number of
// runs, every exchange written to an exchange log as the scenario writes it), against the client path (callTask,
// figure 2) in the same encoding, measured right before or after each iteration; and the amortised cost of
// validating an answer in that loop.
import { RigClient } from '../../support/arrange/rig.ts';
import { lateKinds, learnRigReports } from '../../support/arrange/rig-reports.ts';
import { clearValidationCache, validateResponse, validationStats } from '../../support/checks/schema.ts';
import { checkProperty } from '../../support/fuzz/check.ts';
import { type FuzzProperty, IN_RANGE, LITERALS, REFUSED, SEQUENCES } from '../../support/fuzz/properties.ts';
import { FuzzSession } from '../../support/fuzz/session.ts';
import { ANY_REPORT, type RigReportKind } from '../../support/log-publisher/listener.ts';
import { DEFAULT_LOG_EXPECT_MS } from '../../support/log-publisher/stream.ts';
import type { Encoding, Exchange, TargetConfig } from '../../support/model.ts';
import { ExchangeBatch } from '../../support/report/exchange-log.ts';
import { PROBE_PORTS } from '../../support/runner/preflight.ts';
import { closeClient } from '../../support/wire/exchange.ts';
import { callTask } from '../../support/wire/task-call.ts';
import { type LoopBounds, loop } from './client-path.ts';
import type { ServerProcess } from './servers.ts';
import { ratio, type Summary, summarise } from './stats.ts';

const PROPERTIES: readonly FuzzProperty<unknown>[] = [
  IN_RANGE as FuzzProperty<unknown>,
  REFUSED as FuzzProperty<unknown>,
  LITERALS as FuzzProperty<unknown>,
  SEQUENCES as FuzzProperty<unknown>,
];

const PARAMS = { port_id: 4, bin_id: 101337 } as const;

export interface FuzzIteration {
  readonly calls: Record<Encoding, number>;
  readonly ms: Record<Encoding, number>;
  /** The client path's calls a second in the same encoding, right before or after the properties. */
  readonly client: Record<Encoding, number>;
  /** Task Interface and rig requests the properties made. */
  readonly requests: Record<Encoding, number>;
  /** Answers validated again, cold (empty memo), one at a time in the order the loop got them. */
  readonly responses: Record<Encoding, number>;
  readonly validationMs: Record<Encoding, number>;
  /** Answers libxml2 validated (distinct bodies, the memo emptied per encoding). */
  readonly xmlValidated: number;
  readonly requestsValidatedAhead: number;
  readonly aheadMs: number;
}

export interface FuzzFigures {
  /** Runs of each property: undefined, its own default (what `npm test` runs). */
  readonly runsPerProperty: number | undefined;
  readonly properties: readonly string[];
  /** Validated calls a second over all properties and both encodings. */
  readonly callsPerSecond: Summary;
  readonly callsPerSecondByEncoding: Record<Encoding, Summary>;
  /** The client path in the same run, paired with each iteration. */
  readonly clientPerSecondByEncoding: Record<Encoding, Summary>;
  /** fuzz / client path, iteration by iteration: what the budget is judged on. */
  readonly pairRatios: Record<Encoding, Summary>;
  /** median(fuzz) / median(client path). */
  readonly ratio: Record<Encoding, number | undefined>;
  /**
   * The properties' Task Interface and rig requests a second over the client path's calls (one request each),
   * iteration by iteration: how near the wire each request is, whatever the requests a call. Not a budget.
   */
  readonly requestPairRatios: Record<Encoding, Summary>;
  /** Task Interface and rig requests for each validated case_cancel. */
  readonly requestsPerCall: Record<Encoding, number>;
  /** Amortised validation of one answer, ms. */
  readonly validationMsPerResponse: Record<Encoding, Summary>;
  /** Requests validated ahead of their runs (in batches), ms per request. */
  readonly aheadMsPerRequest: Summary;
  readonly callsPerIteration: number;
  readonly failures: readonly string[];
}

async function iterate(
  server: ServerProcess,
  options: {
    readonly seed: number;
    readonly runs: number | undefined;
    readonly exchangesFile: string;
    readonly clientBounds: LoopBounds;
    /** Whether the client path goes first (alternating, so that a drift in the load favours neither). */
    readonly clientFirst: boolean;
    /** What the rig's own requests publish after they answer, as the runner's pre-flight learned it. */
    readonly reports: ReadonlySet<RigReportKind>;
  },
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
  const client = { XML: 0, JSON: 0 };
  const requests = { XML: 0, JSON: 0 };
  const answers: Record<Encoding, string[]> = { XML: [], JSON: [] };
  let requestsValidatedAhead = 0;
  let aheadMs = 0;
  for (const encoding of ['XML', 'JSON'] as const) {
    const clientPath = async () => {
      client[encoding] = await loop(async () => {
        const result = await callTask(target, 'case_cancel', PARAMS, encoding);
        if (!result.answer || result.problems.length > 0)
          throw new Error(`the client path did not get a valid answer: ${result.problems.join('; ')}`);
      }, options.clientBounds);
    };
    if (options.clientFirst) await clientPath();
    for (const property of PROPERTIES) {
      const session = new FuzzSession(
        target,
        encoding,
        rig,
        DEFAULT_LOG_EXPECT_MS,
        undefined,
        options.reports,
      );
      // what the scenario does with every exchange of a property (support/fuzz/scenario.ts)
      const log = new ExchangeBatch(options.exchangesFile, 'bench', property.id);
      session.onExchange = (exchange: Exchange) => {
        log.add(exchange);
        requests[encoding]++;
        if (exchange.request.url === target.taskUrl && exchange.response)
          answers[encoding].push(exchange.response.body);
      };
      try {
        const outcome = await checkProperty(property, session, {
          seed: options.seed,
          runs: options.runs,
          timeLimitMs: 30_000,
        });
        if (outcome.counterexample) failures.push(`${outcome.key}: ${outcome.counterexample.message}`);
        if (outcome.interrupted) failures.push(`${outcome.key}: interrupted at its time limit`);
        calls[encoding] += session.calls;
        ms[encoding] += outcome.elapsedMs;
        requestsValidatedAhead += outcome.validation.requests;
        aheadMs += outcome.validation.ms;
      } finally {
        log.close();
      }
    }
    if (!options.clientFirst) await clientPath();
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
    client,
    requests,
    responses: { XML: answers.XML.length, JSON: answers.JSON.length },
    validationMs,
    xmlValidated: validationStats().xmlValidated - before,
    requestsValidatedAhead,
    aheadMs,
  };
}

/**
 * What the rig's own requests publish after they answer, learned as the runner's pre-flight learns it
 * (rigReportsStage), so that the properties excuse what a @fuzz scenario against this rig excuses; every kind
 * without a rig.
 */
async function lateReportsOf(server: ServerProcess): Promise<ReadonlySet<RigReportKind>> {
  if (!server.rigUrl) return ANY_REPORT;
  const rig = new RigClient(server.rigUrl, { token: server.rigToken, timeoutMs: 5000 });
  return new Set(lateKinds(await learnRigReports(rig, PROBE_PORTS, DEFAULT_LOG_EXPECT_MS)));
}

export async function benchFuzz(
  server: ServerProcess,
  options: {
    readonly runs: number;
    readonly warmups: number;
    /** Runs of each property; undefined: each its own default, as `npm test` runs them. */
    readonly runsPerProperty: number | undefined;
    readonly exchangesFile: string;
    readonly clientBounds: LoopBounds;
  },
): Promise<FuzzFigures> {
  const failures: string[] = [];
  const iterations: FuzzIteration[] = [];
  try {
    const reports = await lateReportsOf(server);
    for (let i = 0; i < options.warmups + options.runs; i++) {
      clearValidationCache(); // each iteration validates as a fresh cucumber process would
      const iteration = await iterate(
        server,
        {
          seed: 1000 + i,
          runs: options.runsPerProperty,
          exchangesFile: options.exchangesFile,
          clientBounds: options.clientBounds,
          clientFirst: i % 2 === 0,
          reports,
        },
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
  const byEncoding = (f: (e: Encoding) => Summary) => ({ XML: f('XML'), JSON: f('JSON') });
  const fuzz = byEncoding((e) => summarise(iterations.map((it) => perSecond(it, [e]))));
  const client = byEncoding((e) => summarise(iterations.map((it) => it.client[e])));
  const total = (e: Encoding, key: 'calls' | 'requests') => iterations.reduce((n, it) => n + it[key][e], 0);
  const first = iterations[0];
  return {
    runsPerProperty: options.runsPerProperty,
    properties: PROPERTIES.map((p) => p.id),
    callsPerSecond: summarise(iterations.map((it) => perSecond(it, ['XML', 'JSON']))),
    callsPerSecondByEncoding: fuzz,
    clientPerSecondByEncoding: client,
    pairRatios: byEncoding((e) => summarise(iterations.map((it) => perSecond(it, [e]) / it.client[e]))),
    requestPairRatios: byEncoding((e) =>
      summarise(iterations.map((it) => it.requests[e] / (it.ms[e] / 1000) / it.client[e])),
    ),
    ratio: {
      XML: ratio(fuzz.XML.median, client.XML.median),
      JSON: ratio(fuzz.JSON.median, client.JSON.median),
    },
    requestsPerCall: {
      XML: total('XML', 'requests') / Math.max(1, total('XML', 'calls')),
      JSON: total('JSON', 'requests') / Math.max(1, total('JSON', 'calls')),
    },
    validationMsPerResponse: { XML: perResponse('XML'), JSON: perResponse('JSON') },
    aheadMsPerRequest: summarise(iterations.map((it) => it.aheadMs / Math.max(1, it.requestsValidatedAhead))),
    callsPerIteration: first ? first.calls.XML + first.calls.JSON : 0,
    failures,
  };
}
