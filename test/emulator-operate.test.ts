// RunningEmulator.operate: what a person or a port's hardware does at a port, with the rig off. Every change of a
// case state is published on the Log Publisher and in events() as a rig PUT to the same state is; nothing else is.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { PortOperationError, type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { openRawStream, type RawStream } from './helpers/raw-stream.ts';

const SITE = 'profiles/emulator-no-rig.site.json';

describe('operating a port in process (the rig off)', () => {
  let emulator: RunningEmulator;
  let stream: RawStream;
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, logPort: 0, rig: false, quiet: true, site: SITE });
    stream = await openRawStream(emulator.logPort);
  });
  afterEach(async () => {
    stream.socket.destroy();
    await emulator.close();
  });

  it('sets the error flag without a line, and publishes each new case state on the stream and in events()', async () => {
    assert.equal(emulator.rigUrl, undefined);
    const opened = emulator.operate(7, { mode: 'OPEN', selected_bin: 5001, case_state: 'EREQ' });
    assert.deepEqual(opened, {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 5001,
      case_state: 'EREQ',
      case_error: false,
    });
    const inError = emulator.operate(7, { case_error: true });
    assert.equal(inError.case_error, true);
    emulator.operate(7, { case_state: 'ERSO' });
    assert.deepEqual(emulator.events(), ['AC,7,5001,EREQ', 'AC,7,5001,ERSO']);
    assert.equal(
      await stream.until((text) => text.includes('ERSO\r\n')),
      'AC,7,5001,EREQ\r\nAC,7,5001,ERSO\r\n',
    );
    assert.deepEqual(emulator.snapshot().get(7), {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 5001,
      case_state: 'ERSO',
      case_error: true,
    });
    // The Task Interface sees what was done: the case in ERSO (the flag it never shows).
    const answer = await fetch(emulator.taskUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'case_getstate', params: { port_id: 7 } }),
    });
    assert.match(await answer.text(), /"case_state":"ERSO"/);
  });

  it('refuses, in one line and changing nothing, what cannot be done at a port', () => {
    const before = emulator.snapshot();
    const refused: [number, unknown, RegExp][] = [
      [1999, { case_error: true }, /^port 1999 does not exist$/],
      [0, { case_error: true }, /^port_id must be an integer 1-2000, not 0$/],
      [7, { type: 'CO' }, /^port 7: type: a port's type does not change at the port$/],
      [7, { colour: 'red' }, /^port 7: colour: unknown field/],
      [7, { case_state: 'XYZ' }, /^port 7: case_state: "XYZ" is not one of NOOP, EREQ/],
      [7, { case_error: 'yes' }, /^port 7: case_error: /],
      [7, { selected_bin: 0 }, /^port 7: selected_bin: /],
      [12, { case_error: true }, /^port 12 is a CO port: it has no AutoCase/],
      [7, null, /^port 7: the change must be an object/],
    ];
    for (const [port, change, message] of refused) {
      assert.throws(
        () => emulator.operate(port, change as never),
        (error: unknown) => error instanceof PortOperationError && message.test(error.message),
        `${port} ${JSON.stringify(change)}`,
      );
    }
    assert.deepEqual(emulator.snapshot(), before);
    assert.deepEqual(emulator.events(), []);
  });
});

describe('operate publishes as a rig PUT does', () => {
  let withRig: RunningEmulator;
  let withoutRig: RunningEmulator;
  before(async () => {
    withRig = await startEmulator({ port: 0, logPort: 0, quiet: true, site: SITE });
    withoutRig = await startEmulator({ port: 0, logPort: 0, rig: false, quiet: true, site: SITE });
  });
  after(async () => {
    await withRig.close();
    await withoutRig.close();
  });

  it('gives the same lines and the same ports for the same steps', async () => {
    const steps = [
      { mode: 'OPEN', selected_bin: 101337 },
      { case_state: 'IREQ' },
      { case_error: true },
      { case_state: 'IRTR' },
      { case_state: 'IRTR', case_error: false },
      { case_state: 'NOOP' },
    ] as const;
    for (const step of steps) {
      const now = withoutRig.operate(4, step);
      const put = await fetch(`${withRig.rigUrl}/ports/4`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(now),
      });
      assert.equal(put.status, 204);
    }
    assert.deepEqual(withoutRig.events(), withRig.events());
    assert.deepEqual(withoutRig.events(), ['AC,4,101337,IREQ', 'AC,4,101337,IRTR', 'AC,4,101337,NOOP']);
    assert.deepEqual(withoutRig.snapshot().get(4), withRig.snapshot().get(4));
  });
});
