// Figure 2: case_cancel round trips a second through the harness's own call path (encode, validate the request,
// send, receive, decode, validate the answer: callTask) against a raw undici loop that sends the same fixed
// body to the same emulator. One call at a time, as the suite makes them; keep-alive in both.
import { Agent, request } from 'undici';
import type { Encoding, TargetConfig } from '../../support/model.ts';
import { closeClient } from '../../support/wire/exchange.ts';
import { encodeCall } from '../../support/wire/request-encoding.ts';
import { callTask } from '../../support/wire/task-call.ts';
import type { ServerProcess } from './servers.ts';
import { ratio, type Summary, summarise } from './stats.ts';

export interface LoopBounds {
  /** At most this many calls in one run... */
  readonly maxCalls: number;
  /** ...and for at most this long. */
  readonly maxMs: number;
}

export interface ClientPathFigure {
  readonly encoding: Encoding;
  /** Calls a second through callTask. */
  readonly harness: Summary;
  /** Requests a second through the raw undici loop. */
  readonly raw: Summary;
  /** median(harness) / median(raw). */
  readonly ratio: number | undefined;
  /** harness / raw of the runs made one after the other: what the budget is judged on. */
  readonly pairRatios: Summary;
  readonly body: string;
}

const PARAMS = { port_id: 4, bin_id: 101337 } as const;

/** Calls `once` until the count or the time is up; calls a second. */
export async function loop(once: () => Promise<void>, bounds: LoopBounds): Promise<number> {
  const started = performance.now();
  let calls = 0;
  let elapsed = 0;
  while (calls < bounds.maxCalls && elapsed < bounds.maxMs) {
    await once();
    calls++;
    elapsed = performance.now() - started;
  }
  return calls / (elapsed / 1000);
}

export async function benchClientPath(
  server: ServerProcess,
  options: { readonly runs: number; readonly warmups: number; readonly bounds: LoopBounds },
): Promise<ClientPathFigure[]> {
  const target: TargetConfig = { taskUrl: server.taskUrl, timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 };
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const figures: ClientPathFigure[] = [];
  try {
    for (const encoding of ['XML', 'JSON'] as const) {
      const { body, contentType } = encodeCall('case_cancel', PARAMS, encoding);
      const harnessOnce = async () => {
        const result = await callTask(target, 'case_cancel', PARAMS, encoding);
        if (!result.answer || result.problems.length > 0) {
          throw new Error(
            `the harness call path did not get a valid answer: ${result.problems.join('; ') || 'no answer'}`,
          );
        }
      };
      const rawOnce = async () => {
        const answer = await request(server.taskUrl, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        });
        await answer.body.text();
        if (answer.statusCode !== 200) throw new Error(`the raw loop got HTTP ${answer.statusCode}`);
      };
      for (let i = 0; i < options.warmups; i++) {
        await loop(harnessOnce, options.bounds);
        await loop(rawOnce, options.bounds);
      }
      const harness: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        // alternate which goes first, so that a drift in the machine's load does not favour one
        if (i % 2 === 0) {
          harness.push(await loop(harnessOnce, options.bounds));
          raw.push(await loop(rawOnce, options.bounds));
        } else {
          raw.push(await loop(rawOnce, options.bounds));
          harness.push(await loop(harnessOnce, options.bounds));
        }
      }
      const h = summarise(harness);
      const r = summarise(raw);
      figures.push({
        encoding,
        harness: h,
        raw: r,
        ratio: ratio(h.median, r.median),
        pairRatios: summarise(harness.map((value, i) => value / (raw[i] as number))),
        body,
      });
    }
  } finally {
    await agent.close();
    await closeClient();
  }
  return figures;
}
