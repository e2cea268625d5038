// Figure 3: the emulator under autocannon at 64 connections (requests a second, p50 and p99 latency) against a
// bare node:http server that answers one constant body; the emulator's resident memory after the load.
import autocannon from 'autocannon';
import type { Encoding } from '../../support/model.ts';
import { encodeCall } from '../../support/wire/request-encoding.ts';
import type { Memory, ServerProcess } from './servers.ts';
import { percentiles, ratio, type Summary, summarise } from './stats.ts';

export const CONNECTIONS = 64;
/** Latencies kept per run; beyond it the run's percentiles come from the first ones only. */
const MAX_LATENCIES = 1_000_000;

export interface LoadRun {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time of the server's process (user + system) per answered request: less sensitive to other load. */
  readonly cpuUsPerRequest: number;
}

export interface LoadFigure {
  readonly label: string;
  readonly requestsPerSecond: Summary;
  readonly p50Ms: Summary;
  readonly p99Ms: Summary;
  readonly cpuUsPerRequest: Summary;
}

export interface EmulatorFigures {
  readonly connections: number;
  readonly durationS: number;
  readonly bare: LoadFigure;
  readonly emulator: readonly (LoadFigure & {
    readonly encoding: Encoding;
    /** median(emulator) / median(bare), requests a second. */
    readonly ratio?: number;
    /** emulator / bare of the runs made one after the other: what the budget is judged on. */
    readonly pairRatios: Summary;
  })[];
  readonly memory: Memory;
}

interface Shot {
  readonly url: string;
  readonly body: string;
  readonly contentType: string;
}

type Fired = Omit<LoadRun, 'cpuUsPerRequest'> & { readonly requests: number };

async function measure(server: ServerProcess, shot: Shot, durationS: number): Promise<LoadRun> {
  const before = await server.cpu();
  const { requests, ...run } = await fire(shot, durationS);
  const after = await server.cpu();
  return { ...run, cpuUsPerRequest: (after - before) / requests };
}

function fire(shot: Shot, durationS: number): Promise<Fired> {
  return new Promise((resolve, reject) => {
    const latencies = new Float64Array(MAX_LATENCIES);
    let kept = 0;
    const instance = autocannon(
      {
        url: shot.url,
        connections: CONNECTIONS,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
        method: 'POST',
        headers: { 'content-type': shot.contentType },
        body: shot.body,
      },
      (error, result) => {
        if (error) return reject(error);
        const failed = result.errors + result.timeouts + result.non2xx;
        if (failed > 0) {
          return reject(
            new Error(
              `${shot.url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} answers other than 2xx`,
            ),
          );
        }
        if (kept === 0) return reject(new Error(`${shot.url}: no answer in ${durationS} s`));
        const [p50Ms, p99Ms] = percentiles(Array.from(latencies.subarray(0, kept)), [50, 99]);
        resolve({
          requestsPerSecond: result.requests.total / result.duration,
          p50Ms: p50Ms as number,
          p99Ms: p99Ms as number,
          requests: result.requests.total,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (kept < MAX_LATENCIES) latencies[kept++] = responseTime;
    });
  });
}

function figure(label: string, runs: readonly LoadRun[]): LoadFigure {
  return {
    label,
    requestsPerSecond: summarise(runs.map((r) => r.requestsPerSecond)),
    p50Ms: summarise(runs.map((r) => r.p50Ms)),
    p99Ms: summarise(runs.map((r) => r.p99Ms)),
    cpuUsPerRequest: summarise(runs.map((r) => r.cpuUsPerRequest)),
  };
}

/**
 * Brings a fresh emulator up to speed (its code compiled by the JIT) before any figure is taken from it: the
 * first seconds of a Node process under load run several times slower than the rest.
 */
export async function warmUp(server: ServerProcess, durationS: number): Promise<void> {
  for (const encoding of server.kind === 'emulator' ? (['XML', 'JSON'] as const) : (['XML'] as const)) {
    const call = encodeCall('case_cancel', { port_id: 4, bin_id: 101337 }, encoding);
    await fire({ url: server.taskUrl, ...call }, durationS);
  }
}

export async function benchEmulator(
  emulator: ServerProcess,
  bare: ServerProcess,
  options: { readonly runs: number; readonly durationS: number },
): Promise<EmulatorFigures> {
  const shots: { label: string; encoding?: Encoding; server: ServerProcess; shot: Shot }[] = [];
  const xml = encodeCall('case_cancel', { port_id: 4, bin_id: 101337 }, 'XML');
  shots.push({ label: 'bare node:http', server: bare, shot: { url: bare.taskUrl, ...xml } });
  for (const encoding of ['XML', 'JSON'] as const) {
    const call = encodeCall('case_cancel', { port_id: 4, bin_id: 101337 }, encoding);
    shots.push({
      label: `emulator ${encoding}`,
      encoding,
      server: emulator,
      shot: { url: emulator.taskUrl, ...call },
    });
  }
  // the emulator was warmed up before the client path, the bare server when it started (warmUp)
  const runs = shots.map(() => [] as LoadRun[]);
  for (let i = 0; i < options.runs; i++) {
    // rotate the order from run to run: a drift in the machine's load spreads over all three
    for (let k = 0; k < shots.length; k++) {
      const index = (i + k) % shots.length;
      const { server, shot } = shots[index] as (typeof shots)[number];
      runs[index]?.push(await measure(server, shot, options.durationS));
    }
  }
  const bareFigure = figure('bare node:http', runs[0] as LoadRun[]);
  return {
    connections: CONNECTIONS,
    durationS: options.durationS,
    bare: bareFigure,
    emulator: shots.slice(1).map(({ label, encoding }, i) => {
      const own = runs[i + 1] as LoadRun[];
      const f = figure(label, own);
      const bareRuns = runs[0] as LoadRun[];
      return {
        ...f,
        encoding: encoding as Encoding,
        ratio: ratio(f.requestsPerSecond.median, bareFigure.requestsPerSecond.median),
        pairRatios: summarise(
          own.map((run, k) => run.requestsPerSecond / (bareRuns[k] as LoadRun).requestsPerSecond),
        ),
      };
    }),
    memory: await emulator.memory(),
  };
}
