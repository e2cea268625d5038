// The fuzz loop near the wire: a run's rig steps in one POST /batch (and the next run's opening ahead of it), the
// same verdicts from a rig without POST /batch, and a property's exchanges written to the log in batches of lines.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { RigClient } from '../support/arrange/rig.ts';
import { cancellable } from '../support/fuzz/arbitraries.ts';
import { checkProperty } from '../support/fuzz/check.ts';
import { type FuzzProperty, IN_RANGE, SEQUENCES } from '../support/fuzz/properties.ts';
import { Disagreement, FuzzSession } from '../support/fuzz/session.ts';
import type { Exchange } from '../support/model.ts';
import { ExchangeBatch, exchangeLine } from '../support/report/exchange-log.ts';
import { closeClient } from '../support/wire/exchange.ts';
import { withoutBatch } from './helpers/rig-without-batch.ts';

const TOKEN = 'fuzz-batch-token';

async function emulator(deviate: string[] = []): Promise<RunningEmulator> {
  return startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN, quiet: true, deviate });
}

/**
 * The emulator in this process publishes a call's line before it answers, so no line of the faithful one is ever
 * late: the wait for one is cut from the default 2 s to 0.5 s, which the planted success-no-log waits out once a
 * property (with this wait, 2 s of each test below).
 */
const LOG_EXPECT_MS = 500;

function session(target: RunningEmulator, rigUrl = target.rigUrl as string): FuzzSession {
  return new FuzzSession(
    { taskUrl: target.taskUrl, timeoutMs: 5000, maxResponseBytes: 1024 * 1024 },
    'JSON',
    { url: rigUrl, token: TOKEN },
    LOG_EXPECT_MS,
  );
}

function counting(s: FuzzSession): { task: number; rig: number; batches: number } {
  const seen = { task: 0, rig: 0, batches: 0 };
  s.onExchange = (e) => {
    if (e.request.url.includes('/rig/')) seen.rig++;
    else seen.task++;
    if (e.request.url.endsWith('/batch')) seen.batches++;
  };
  return seen;
}

describe('the rig steps of a property in one request', () => {
  let faithful: RunningEmulator;
  let buggy: RunningEmulator;
  before(async () => {
    faithful = await emulator();
    buggy = await emulator(['code-1149-wrong', 'skip-error-check', 'success-no-log']);
  });
  after(async () => {
    await faithful.close();
    await buggy.close();
    await closeClient();
  });

  it('RigClient.batch: the results of every step, held to what its own endpoint answers', async () => {
    const rig = new RigClient(faithful.rigUrl as string, { token: TOKEN, timeoutMs: 5000 });
    const state = {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 9,
      case_state: 'ERSO',
      case_error: true,
    } as const;
    const results = await rig.batch([
      { op: 'reset' },
      { op: 'put', portId: 1999, state },
      { op: 'get', portId: 1999 },
      { op: 'delete', portId: 1999 },
      { op: 'get', portId: 1999 },
      { op: 'events' },
    ]);
    assert.deepEqual(results, [
      { op: 'reset' },
      { op: 'put' },
      { op: 'get', state },
      { op: 'delete' },
      { op: 'get', state: undefined },
      { op: 'events', segments: ['AC,1999,9,ERSO'] },
    ]);
    assert.equal(rig.takesBatches(), true);
  });

  it('in-range makes two requests a call (the opening goes ahead with the read-back), and passes the faithful emulator', async () => {
    const s = session(faithful);
    const seen = counting(s);
    const outcome = await checkProperty(IN_RANGE, s, { seed: 21, runs: 40 });
    assert.equal(outcome.counterexample, undefined, outcome.counterexample?.steps.join('\n'));
    assert.equal(seen.task, 40);
    // the first run opens on its own; each later run's opening went with the read-back before it
    assert.equal(seen.rig, 41, `${seen.rig} rig requests for 40 runs`);
    // the last run's read-back carries no opening; its cancel succeeded, so the line it published is read with the port
    assert.equal(seen.batches, 41, "the last run's read-back reads its port and its lines in one request");
  });

  it('a counterexample keeps the exchange that opened its run, sent ahead or not, and replays from its path', async () => {
    const found = await checkProperty(IN_RANGE, session(buggy), { seed: 5 });
    const counterexample = found.counterexample;
    assert.ok(counterexample, 'the planted bugs went unnoticed');
    const opening = counterexample.exchanges.find((e) => e.request.body.includes('"op":"reset"'));
    assert.ok(opening, 'the exchange that arranged the run is in its evidence');
    assert.ok(counterexample.exchanges.some((e) => e.label.startsWith('case_cancel')));
    const replayed = await checkProperty(IN_RANGE, session(buggy), { seed: 5, path: counterexample.path });
    assert.deepEqual(replayed.counterexample?.steps, counterexample.steps);
  });

  for (const property of [IN_RANGE, SEQUENCES] as FuzzProperty<unknown>[]) {
    it(`${property.id}: a rig without POST /batch gets the same steps one request each, asked once, and the same counterexample`, async () => {
      const proxy = await withoutBatch(buggy);
      try {
        const seed = property.id === 'sequences' ? 2 : 5;
        const withBatch = await checkProperty(property, session(buggy), { seed });
        const s = session(buggy, proxy.url);
        const seen = counting(s);
        const oneByOne = await checkProperty(property, s, { seed });
        assert.ok(withBatch.counterexample, 'the planted bugs went unnoticed');
        assert.deepEqual(oneByOne.counterexample?.steps, withBatch.counterexample.steps);
        assert.equal(oneByOne.counterexample?.path, withBatch.counterexample.path);
        assert.equal(proxy.batches, 1, 'POST /batch is asked once, then the steps go one by one');
        assert.equal(seen.batches, 1);
      } finally {
        await proxy.close();
      }
    });
  }

  it('a rig that answers 400 to POST /batch (an unknown request to it) gets the steps one by one, each batch asked again, and the same counterexample', async () => {
    const proxy = await withoutBatch(buggy, 400);
    try {
      const withBatch = await checkProperty(IN_RANGE, session(buggy), { seed: 5 });
      const s = session(buggy, proxy.url);
      const oneByOne = await checkProperty(IN_RANGE, s, { seed: 5 });
      assert.ok(withBatch.counterexample, 'the planted bugs went unnoticed');
      assert.deepEqual(oneByOne.counterexample?.steps, withBatch.counterexample.steps);
      assert.ok(proxy.batches > 1, `a 400 refuses one batch, not the endpoint: asked ${proxy.batches} times`);
    } finally {
      await proxy.close();
    }
  });

  /** A run as a sequence makes it: reads in its middle, arrangements after them, calls; then the last read-back. */
  async function readsInTheMiddle(s: FuzzSession): Promise<void> {
    await s.open({ judgeEvents: true, ports: [{ port_id: 7, state: cancellable(70) }] });
    await s.expectPort(7); // goes with the opening
    await s.cancel(7, 70);
    await s.expectPort(7); // goes with the arrangement after it...
    await s.arrange(8, cancellable(80));
    await s.expectPort(8); // ...and this read, all before the call
    await s.cancel(8, 80);
    await s.expectPort(7); // goes with the last read-back
    await s.readBack([7, 8], true, { last: true });
  }

  const ARRANGED_8 = 'Given port 8 is an AC port, OPEN, with bin 80 selected and its case ERSO in error';

  it('a read in the middle of a run goes with the request after it, judged in its place', async () => {
    const s = session(faithful);
    const seen = counting(s);
    const record = s.begin();
    await readsInTheMiddle(s);
    assert.equal(seen.task, 2);
    // no GET /events of its own after the call that published: the batch that counts or judges its lines reads them
    // (a controller seen to publish late gets them awaited first: harness-late-lines.test.ts)
    assert.equal(seen.rig, 3, 'one rig request before each call and one at the end, the reads among them');
    const reads = record.steps.filter((step) => step.startsWith('Then port'));
    assert.deepEqual(reads, [
      'Then port 7 reads back as an AC port, OPEN, with bin 70 selected and its case ERSO in error',
      'Then port 7 reads back as an AC port, OPEN, with bin 70 selected and its case NOOP without error',
      'Then port 8 reads back as an AC port, OPEN, with bin 80 selected and its case ERSO in error',
      'Then port 7 reads back as an AC port, OPEN, with bin 70 selected and its case NOOP without error',
      'Then port 7 reads back as an AC port, OPEN, with bin 70 selected and its case NOOP without error',
      'Then port 8 reads back as an AC port, OPEN, with bin 80 selected and its case NOOP without error',
    ]);
    assert.ok(
      record.steps.indexOf(ARRANGED_8) > record.steps.indexOf(reads[1] as string),
      'each read in its place',
    );
  });

  it('a read in the middle that disagrees fails the run at the request that carries it, naming the read', async () => {
    const clears = await emulator(['success-clears-bin']);
    try {
      const s = session(clears);
      const record = s.begin();
      await assert.rejects(readsInTheMiddle(s), (error: unknown) => {
        assert.ok(error instanceof Disagreement, String(error));
        assert.equal(
          error.message,
          'Then port 7 reads back as an AC port, OPEN, with no bin selected and its case NOOP without error; the specification says an AC port, OPEN, with bin 70 selected and its case NOOP without error',
        );
        return true;
      });
      // the read that failed keeps its place, before the arrangement that went with it, and no call was made after
      const at = record.steps.indexOf('Then port 7 is read back (judged with the request that carries it)');
      assert.ok(at > 0, record.steps.join('\n'));
      assert.deepEqual(record.steps.slice(at + 1), [
        ARRANGED_8,
        'Then port 8 is read back (judged with the request that carries it)',
      ]);
    } finally {
      await clears.close();
    }
  });

  it('a run that ends with a read in its middle never sent is a harness bug, not a pass', async () => {
    const unfinished: FuzzProperty<number> = {
      id: 'unfinished',
      title: 'a run that forgets its last read-back',
      needsRig: true,
      defaultRuns: 3,
      arbitrary: () => fc.constant(7),
      examples: () => [],
      plan: () => [],
      async run(port, s) {
        await s.open({ judgeEvents: false, ports: [{ port_id: port, state: cancellable(70) }] });
        await s.expectPort(port);
      },
    };
    await assert.rejects(
      checkProperty(unfinished, session(faithful), { seed: 1 }),
      /^Error: harness bug: the run ended with its read of port 7 never sent \(end a run with readBack\)$/,
    );
  });

  it("the sequences still tell the rig arrangements' lines from the calls': a success that publishes nothing is caught", async () => {
    const found = await checkProperty(SEQUENCES, session(buggy), { seed: 3, runs: 80 });
    assert.ok(found.counterexample, 'the deviations went unnoticed');
    const faithfulRun = await checkProperty(SEQUENCES, session(faithful), { seed: 3, runs: 80 });
    assert.equal(faithfulRun.counterexample, undefined, faithfulRun.counterexample?.steps.join('\n'));
  });
});

describe('the exchange log in batches of lines', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exchange-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const exchange = (i: number): Exchange => ({
    label: `call ${i}`,
    startedAt: '2026-12-02T08:00:00.000Z',
    request: { method: 'POST', url: 'http://127.0.0.1:1/api/v2/task', headers: {}, body: 'x'.repeat(i) },
    response: { status: 200, headers: {}, body: '{}', truncated: false },
    ms: 1,
  });

  it('writes the lines keep() writes, in order, when flushed or past its size, and none before', () => {
    const file = path.join(dir, 'exchanges.ndjson');
    const batch = new ExchangeBatch(file, 'features/fuzz.feature:17', 'a property');
    batch.add(exchange(1));
    batch.add(exchange(2));
    assert.throws(() => readFileSync(file, 'utf8'), /ENOENT/, 'nothing written yet');
    batch.close();
    const expected = [1, 2].map((i) => exchangeLine('features/fuzz.feature:17', 'a property', exchange(i)));
    assert.equal(readFileSync(file, 'utf8'), expected.join(''));
    const big = new ExchangeBatch(file, undefined, undefined);
    big.add(exchange(300 * 1024)); // past BATCH_BYTES: written at once
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 4);
    big.close();
    for (const line of readFileSync(file, 'utf8').trim().split('\n')) JSON.parse(line);
  });
});
