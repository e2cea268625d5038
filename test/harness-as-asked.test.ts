// A rig that does not arrange a port as asked (docs/rig-control.md: a PUT leaves exactly the state sent, a DELETE none)
// makes the scenario or the property run INCONCLUSIVE, with the port, the request and what it read; never a FAIL of the
// controller. Checked before the call, from the reads the scenario makes with its events anyway, and in the property
// runs only once a run disagrees with the oracle.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { RigArranger } from '../support/arrange/arrange.ts';
import { misarranged, notAsAsked } from '../support/arrange/as-asked.ts';
import { RigClient } from '../support/arrange/rig.ts';
import { cancellable } from '../support/fuzz/arbitraries.ts';
import { checkProperty } from '../support/fuzz/check.ts';
import { IN_RANGE, LITERALS } from '../support/fuzz/properties.ts';
import { CannotJudge, FuzzSession } from '../support/fuzz/session.ts';
import type { Exchange, PortState } from '../support/model.ts';
import { answersWithoutToken } from '../support/runner/preflight.ts';
import { closeClient } from '../support/wire/exchange.ts';
import { misarrangingRig } from './helpers/misarranging-rig.ts';
import { withoutBatch } from './helpers/rig-without-batch.ts';

const TOKEN = 'as-asked-token';
/** An AutoCase port in error, bin 101337 selected: the state a cancel of that bin succeeds on. */
const ERSO: PortState = cancellable(101337);

describe('notAsAsked: a port read right after its arrangement', () => {
  it('as asked: nothing to say', () => {
    assert.equal(notAsAsked(4, ERSO, { ...ERSO }), undefined);
    assert.equal(notAsAsked(7, null, undefined), undefined);
  });

  it('names each field that differs, with what was sent', () => {
    assert.equal(
      notAsAsked(4, ERSO, { ...ERSO, case_error: false, mode: 'CLOSED' }),
      'the rig did not arrange port 4 as asked: after PUT /ports/4 it reads mode "CLOSED" (sent "OPEN"), case_error false (sent true)',
    );
    assert.match(
      notAsAsked(4, ERSO, { ...ERSO, selected_bin: null }) ?? '',
      /selected_bin null \(sent 101337\)/,
    );
  });

  it('a port that is not there after a PUT, or still there after a DELETE', () => {
    assert.match(
      notAsAsked(4, ERSO, undefined) ?? '',
      /^the rig did not arrange port 4: after PUT \/ports\/4 .* it does not exist$/,
    );
    assert.equal(
      notAsAsked(7, null, ERSO),
      'the rig did not take port 7 away: after DELETE /ports/7 it still reads AC OPEN, bin 101337 selected, case ERSO in error',
    );
  });

  it('a case state further on its path is the port moving by itself, said so; any other state is the rig', () => {
    assert.match(
      notAsAsked(4, { ...ERSO, case_state: 'EREQ' }, ERSO) ?? '',
      /moved on by itself from EREQ to ERSO/,
    );
    assert.match(
      notAsAsked(4, ERSO, { ...ERSO, case_state: 'EREQ' }) ?? '',
      /did not arrange port 4 as asked: .*case_state "EREQ" \(sent "ERSO"\)/,
    );
    assert.match(
      notAsAsked(4, ERSO, { ...ERSO, case_state: 'ECMP', case_error: false }) ?? '',
      /did not arrange/,
    );
  });

  it('the reason names every clause and why the controller cannot be judged', () => {
    const reason = misarranged(['a', 'b']);
    assert.match(reason, /^a; b\. The controller cannot be judged on a precondition that did not hold/);
  });
});

describe('a rig that does not arrange as asked', () => {
  let target: RunningEmulator;
  before(async () => {
    target = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN, quiet: true });
  });
  after(async () => {
    await target.close();
    await closeClient();
  });

  function arranger(rigUrl: string): { arranger: RigArranger; labels: string[] } {
    const labels: string[] = [];
    const record = (e: Exchange) => labels.push(e.label);
    return {
      arranger: new RigArranger(new RigClient(rigUrl, { token: TOKEN, timeoutMs: 5000, record })),
      labels,
    };
  }

  async function arrangeAndVerify(a: RigArranger) {
    await a.reset();
    await a.port(4, ERSO);
    await a.noPort(7);
    await a.events();
    return a.verify();
  }

  it('a faithful rig: verified from the request that reads the events, no request more', async () => {
    const { arranger: a, labels } = arranger(target.rigUrl as string);
    assert.equal(await arrangeAndVerify(a), undefined);
    assert.deepEqual(labels, ['rig POST /batch']);
  });

  it('a faithful rig without POST /batch: one GET a port arranged, and nothing to say', async () => {
    const proxy = await withoutBatch(target);
    try {
      const { arranger: a, labels } = arranger(proxy.url);
      assert.equal(await arrangeAndVerify(a), undefined);
      assert.deepEqual(labels.slice(-3), ['rig GET /events', 'rig GET /ports/4', 'rig GET /ports/7']);
    } finally {
      await proxy.close();
    }
  });

  for (const [how, title, reason] of [
    [
      { dropError: true },
      'a rig that clears case_error: INCONCLUSIVE, naming the port and the field',
      /^the rig did not arrange port 4 as asked: after PUT \/ports\/4 it reads case_error false \(sent true\)\. The controller cannot be judged/,
    ],
    [
      { keepOnDelete: true },
      'a rig that keeps a port it was told to delete: INCONCLUSIVE, naming the port',
      /^the rig did not take port 7 away: after DELETE \/ports\/7 it still reads /,
    ],
  ] as const) {
    it(title, async () => {
      const rig = await misarrangingRig(target, how);
      try {
        const verdict = await arrangeAndVerify(arranger(rig.url).arranger);
        assert.equal(verdict?.verdict, 'INCONCLUSIVE');
        assert.match(verdict?.reason ?? '', reason);
      } finally {
        await rig.close();
      }
    });
  }

  function session(rigUrl: string): FuzzSession {
    return new FuzzSession(
      { taskUrl: target.taskUrl, timeoutMs: 5000, maxResponseBytes: 1024 * 1024 },
      'JSON',
      { url: rigUrl, token: TOKEN },
      500,
    );
  }

  it('a property run against a rig that clears case_error: the property cannot judge, no counterexample', async () => {
    const rig = await misarrangingRig(target, { dropError: true });
    try {
      for (const property of [IN_RANGE, LITERALS]) {
        await assert.rejects(
          checkProperty(property as never, session(rig.url), { seed: 7, runs: 20 }),
          (error: unknown) =>
            error instanceof CannotJudge &&
            error.by === 'rig' &&
            /after PUT \/ports\/\d+ it reads case_error false \(sent true\)/.test(error.message),
          property.id,
        );
      }
    } finally {
      await rig.close();
    }
  });

  it('a faithful rig: no request more while the runs pass, and a deviation behind it stays a counterexample', async () => {
    const s = session(target.rigUrl as string);
    let resets = 0;
    s.onExchange = (e) => {
      if (e.request.body.includes('"reset"') || e.request.url.endsWith('/reset')) resets++;
    };
    const outcome = await checkProperty(IN_RANGE as never, s, { seed: 7, runs: 20 });
    assert.equal(outcome.counterexample, undefined);
    assert.equal(resets, outcome.runs, 'a reset a run, none more');

    const deviating = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      rigToken: TOKEN,
      quiet: true,
      deviate: ['skip-error-check'],
    });
    try {
      const found = await checkProperty(
        IN_RANGE as never,
        new FuzzSession(
          { taskUrl: deviating.taskUrl, timeoutMs: 5000, maxResponseBytes: 1024 * 1024 },
          'JSON',
          { url: deviating.rigUrl as string, token: TOKEN },
          500,
        ),
        { seed: 7, runs: 100 },
      );
      assert.match(found.counterexample?.message ?? '', /specification predicts/);
    } finally {
      await deviating.close();
    }
  });
});

describe('the pre-flight: a rig given a token refuses a request without it', () => {
  it('one that answers 401: nothing to say; one that answers anyway: a warning line naming the rig', async () => {
    const guarded = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN, quiet: true });
    const open = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true });
    try {
      const seen: Exchange[] = [];
      assert.equal(await answersWithoutToken(guarded.rigUrl as string, 5000, (e) => seen.push(e)), undefined);
      assert.equal(seen[0]?.response?.status, 401);
      assert.equal(seen[0]?.request.headers.authorization, undefined);
      const warning = await answersWithoutToken(open.rigUrl as string, 5000, () => {});
      assert.equal(
        warning,
        `warning: rig ${open.rigUrl} answered GET /events without its token: docs/rig-control.md wants 401 without "Authorization: Bearer <token>", since anyone who reaches the rig can change the controller's state`,
      );
    } finally {
      await guarded.close();
      await open.close();
    }
  });
});
