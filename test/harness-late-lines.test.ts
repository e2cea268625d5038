// Another vendor's controller may publish a line a moment after its answer, and its stream may deliver a line of
// the rig's arrangement a moment after the rig's own answer (docs/certification.md, "Another vendor's controller
// and rig"). The harness waits for such lines within its deadlines, never takes an arrangement's line for the
// call's, and still catches a fault that publishes.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RigArranger } from '../support/arrange/arrange.ts';
import { eventsShowing } from '../support/arrange/events-wait.ts';
import { RigClient } from '../support/arrange/rig.ts';
import { SiteModel } from '../support/fuzz/oracle.ts';
import { Disagreement, FuzzSession, LateLines } from '../support/fuzz/session.ts';
import { LogListener } from '../support/log-publisher/listener.ts';
import { expectQuiet, markAfterArrangement } from '../support/log-publisher/stream.ts';
import type { PortState } from '../support/model.ts';
import { callTask } from '../support/wire/task-call.ts';
import { type ConformingController, startConformingController } from './helpers/conforming-rig-proxy.ts';

const CANCELLABLE: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};
const CONFIG = { host: '127.0.0.1', port: 0, expectMs: 2000, quietMs: 0 };

/** A Log Publisher the test writes to by hand. */
async function handStream(): Promise<{ server: Server; client: () => Socket; listener: LogListener }> {
  let socket: Socket | undefined;
  const server = createServer((s) => {
    socket = s;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const listener = await LogListener.connect({ host: '127.0.0.1', port });
  for (let i = 0; i < 200 && socket === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  return { server, client: () => socket as Socket, listener };
}

describe('the arrangement line that comes a moment after the rig answered', () => {
  it('is found in order after the moment before the reset, and the call is marked after it', async () => {
    const { server, client, listener } = await handStream();
    try {
      const from = listener.mark();
      // the rig answered; the stream has sent half the arrangement's line so far
      client().write('BM,3717171,G\r\nAC,4,1013');
      const arranged = ['AC,4,101337,ERSO'];
      // the mark right before the call, as the World took it before: the rest of the line comes after it
      const naive = listener.mark();
      const marking = markAfterArrangement(listener, from, arranged, 2000);
      client().write('37,ERSO\r\n');
      const { mark, missing } = await marking;
      assert.deepEqual(missing, []);
      const misread = await expectQuiet(listener, naive, 4, [101337], 0, CONFIG);
      assert.equal('kind' in misread && misread.kind, 'differs', 'the arrangement line taken for the call');
      const quiet = await expectQuiet(listener, mark, 4, [101337], 0, CONFIG);
      assert.equal('kind' in quiet && quiet.kind, 'agrees', JSON.stringify(quiet));
      // and a fault that publishes is still seen
      client().write('AC,4,101338,CR\r\n');
      await listener.waitFor((line) => line.text.endsWith(',CR'), { after: mark, timeoutMs: 2000 });
      const published = await expectQuiet(listener, mark, 4, [101337], 0, CONFIG);
      assert.equal('kind' in published && published.kind, 'differs');
    } finally {
      await listener.close();
      server.close();
    }
  });

  it('gives up within its deadline when a line never comes, and says which', async () => {
    const { server, listener } = await handStream();
    try {
      const from = listener.mark();
      const { missing } = await markAfterArrangement(listener, from, ['AC,4,101337,ERSO'], 20);
      assert.deepEqual(missing, ['AC,4,101337,ERSO']);
    } finally {
      await listener.close();
      server.close();
    }
  });
});

// A Log Publisher may close a connection (one that closes idle clients): the scenario in which it closes used to be
// INCONCLUSIVE whenever the close came, though a close after the quiet window has cost nothing of it.
describe("a stream the controller closes around a fault's quiet window", () => {
  /**
   * A fault's quiet window judged on a hand stream that the controller's side closes `closeAfterMs` after the answer
   * (once the harness has seen the line, when one is `published` right before the answer).
   */
  async function judgedAroundClose(published: boolean, closeAfterMs: number, quietMs: number) {
    const { server, client, listener } = await handStream();
    try {
      const mark = listener.mark();
      if (published) client().write('AC,4,101337,CR\r\n');
      const answeredAt = performance.now();
      if (published)
        await listener.waitFor((line) => line.text.endsWith(',CR'), { after: mark, timeoutMs: 2000 });
      if (closeAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, closeAfterMs));
      client().end();
      const closed = await listener.whenClosed;
      const judged = await expectQuiet(listener, mark, 4, [101337], answeredAt, { ...CONFIG, quietMs });
      return { judged, closedAfterMs: closed.at - answeredAt };
    } finally {
      await listener.close();
      server.close();
    }
  }

  it('after the window: judged on what came before the close, nothing for the port agrees, a line for it differs', async () => {
    for (const published of [false, true]) {
      const { judged, closedAfterMs } = await judgedAroundClose(published, 15, 10);
      assert.ok(closedAfterMs >= 10, `closed ${closedAfterMs} ms after the answer`);
      assert.ok('kind' in judged, JSON.stringify(judged));
      if (published) assert.equal(judged.kind, 'differs', JSON.stringify(judged));
      else {
        assert.equal(judged.kind, 'agrees', JSON.stringify(judged));
        assert.match(
          judged.evidence,
          /the stream closed [\d.]+ ms after the answer, once the window was over/,
        );
      }
    }
  });

  it('inside the window: INCONCLUSIVE, since lines of it may have been lost; a line seen before the close still differs', async () => {
    for (const published of [false, true]) {
      const { judged } = await judgedAroundClose(published, 0, 500);
      if (published) assert.equal('kind' in judged && judged.kind, 'differs', JSON.stringify(judged));
      else
        assert.deepEqual(judged, {
          verdict: 'INCONCLUSIVE',
          reason: 'the Log Publisher stream ended: the Log Publisher closed the connection',
        });
    }
  });
});

describe('GET /events read again until a late line is there', () => {
  it('reads until the line shows after the lines before the call', async () => {
    const readings = [['A'], ['A'], ['A', 'AC,4,101337,NOOP']];
    let reads = 0;
    const events = await eventsShowing(
      async () => readings[Math.min(reads++, readings.length - 1)] as string[],
      'AC,4,101337,NOOP',
      1,
      2000,
      1,
    );
    assert.deepEqual(events, ['A', 'AC,4,101337,NOOP']);
    assert.equal(reads, 3);
  });

  it('reads a bounded number of times when it never shows', async () => {
    let reads = 0;
    const fresh: boolean[] = [];
    await eventsShowing(
      async (f) => {
        reads++;
        fresh.push(f);
        return [];
      },
      'AC,4,101337,NOOP',
      0,
      10,
      5,
    );
    assert.ok(reads <= 3, `${reads} reads`);
    assert.equal(fresh[0], false, 'the first reading may be one already made');
  });
});

describe('a controller that publishes a moment after it answers, behind its rig', () => {
  let late: ConformingController;
  let deviating: ConformingController;
  before(async () => {
    const stream = { lagMs: () => 80, split: true, otherLines: true };
    const rig = { batch: 'steps', reorderedPortState: true, rewordedErrors: true } as const;
    late = await startConformingController({ rig, stream });
    deviating = await startConformingController({ rig, stream, deviate: ['fault-publishes-cr'] });
  });
  after(async () => {
    await late?.close();
    await deviating?.close();
  });

  it('a fresh read of GET /events shows the success line the cached one did not', async () => {
    const arranger = new RigArranger(new RigClient(late.rigUrl, { token: late.token, timeoutMs: 5000 }));
    await arranger.reset();
    await arranger.port(4, CANCELLABLE);
    const before = (await arranger.events()) as string[];
    await arranger.settle();
    const call = await callTask(
      { taskUrl: late.taskUrl, timeoutMs: 5000, maxResponseBytes: 1 << 20 },
      'case_cancel',
      { port_id: 4, bin_id: 101337 },
      'JSON',
      {},
    );
    assert.equal(call.answer?.kind, 'success');
    const events = await eventsShowing(
      (fresh) => arranger.events({ fresh }),
      'AC,4,101337,NOOP',
      before.length,
      2000,
    );
    assert.ok(Array.isArray(events) && events.slice(before.length).includes('AC,4,101337,NOOP'));
  });

  it("the fuzz session's lines agree with the model: the late line awaited, other ports' lines not its business", async () => {
    const session = new FuzzSession(
      { taskUrl: late.taskUrl, timeoutMs: 5000, maxResponseBytes: 1 << 20 },
      'XML',
      { url: late.rigUrl, token: late.token },
    );
    let repeats = 0;
    for (let run = 0; run < 3; run++) {
      repeats += await asCheckPropertyRuns(session, async () => {
        await session.open({ judgeEvents: true, ports: [{ port_id: 4, state: CANCELLABLE }] });
        await session.cancel(4, 101337);
        // an arrangement right after the call: the call's line is in before the arrangement's are counted
        await session.arrange(7, { ...CANCELLABLE, selected_bin: 7007 });
        await session.cancel(7, 7007);
        await session.readBack([4, 7], true, { last: true });
      });
    }
    assert.equal(repeats, 1, 'the first late line repeats its run; from then on the lines are awaited');
  });

  it('the fuzz session still catches a fault that publishes, late', async () => {
    const session = new FuzzSession(
      { taskUrl: deviating.taskUrl, timeoutMs: 5000, maxResponseBytes: 1 << 20 },
      'XML',
      { url: deviating.rigUrl, token: deviating.token },
    );
    await assert.rejects(
      asCheckPropertyRuns(session, async () => {
        await session.open({ judgeEvents: true, ports: [{ port_id: 4, state: CANCELLABLE }] });
        await session.cancel(4, 101338);
        // a success so the session waits: the fault's line, late, comes with it
        await session.cancel(4, 101337);
        await session.readBack([4], true, { last: true });
      }),
      Disagreement,
    );
  });
});

describe("the fuzz session waits for a late line as long as the profile's timeouts.log_ms, not a fixed 2 s", () => {
  let slow: ConformingController;
  before(async () => {
    slow = await startConformingController({
      rig: { batch: 'steps', reorderedPortState: false, rewordedErrors: false },
      stream: { lagMs: () => 300, split: false, otherLines: false },
    });
  });
  after(async () => {
    await slow?.close();
  });
  const runOnce = (session: FuzzSession) =>
    asCheckPropertyRuns(session, async () => {
      await session.open({ judgeEvents: true, ports: [{ port_id: 4, state: CANCELLABLE }] });
      await session.cancel(4, 101337);
      await session.readBack([4], true, { last: true });
    });
  const sessionWaiting = (logExpectMs: number) =>
    new FuzzSession(
      { taskUrl: slow.taskUrl, timeoutMs: 5000, maxResponseBytes: 1 << 20 },
      'JSON',
      { url: slow.rigUrl, token: slow.token },
      logExpectMs,
    );

  it('a line 300 ms late is awaited within a deadline of 2.5 s', async () => {
    assert.equal(await runOnce(sessionWaiting(2500)), 1, 'the run is repeated once its late line is in');
  });

  it('and is a disagreement with a deadline of 100 ms', async () => {
    await assert.rejects(runOnce(sessionWaiting(100)), Disagreement);
  });
});

/**
 * One run as checkProperty makes it: a run that meets the first late line (LateLines) is repeated once those are in.
 * How many times it was repeated.
 */
async function asCheckPropertyRuns(session: FuzzSession, run: () => Promise<void>): Promise<number> {
  session.begin();
  let repeats = 0;
  try {
    await run();
  } catch (error) {
    if (!(error instanceof LateLines)) throw error;
    await session.settleLate(error.missing);
    session.begin();
    repeats++;
    await run();
  }
  session.endRun();
  await session.settleRun();
  return repeats;
}

describe('what the fuzz model judges on the Log Publisher', () => {
  it('the lines of its ports and their bins, not those of ports it never touched', () => {
    const model = new SiteModel();
    model.arrange(4, CANCELLABLE);
    assert.equal(model.concerns('AC,4,101337,CR'), true);
    assert.equal(model.concerns('BM,101337,C'), true);
    assert.equal(model.concerns('AC,1717,3717171,EREQ'), false);
    assert.equal(model.concerns('BM,3717171,G'), false);
  });
});
