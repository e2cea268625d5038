// Arranging through the Task Interface, against the emulator without its rig (a controller at rest), and the
// operator's prompt over plain streams.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import {
  OPERATOR_ABORTED,
  type Operator,
  type OperatorReply,
  type OperatorRequest,
  operatorAborted,
  parseOperatorAnswer,
  TerminalOperator,
} from '../support/arrange/operator.ts';
import { type CaseStream, TaskArranger } from '../support/arrange/task-arranger.ts';
import { LogListener, type Mark } from '../support/log-publisher/listener.ts';
import type { Exchange, PortState } from '../support/model.ts';
import type { Fixtures } from '../support/profile/profile.ts';
import { closeClient } from '../support/wire/exchange.ts';

const FIXTURES: Fixtures = {
  absent_port: 1999,
  autocase_ports: [1, 4, 7, 2000],
  other_ports: [
    { port_id: 12, type: 'CO' },
    { port_id: 14, type: 'CA' },
  ],
  bins: 'any',
};

const open = (
  bin: number | null,
  case_state: PortState['case_state'] = 'NOOP',
  case_error = false,
): PortState => ({
  type: 'AC',
  mode: 'OPEN',
  selected_bin: bin,
  case_state,
  case_error,
});

class FakeOperator implements Operator {
  readonly asked: string[] = [];
  readonly requests: OperatorRequest[] = [];
  constructor(
    private readonly answer: OperatorReply,
    private readonly act?: (request: OperatorRequest) => void,
  ) {}
  async ask(request: OperatorRequest): Promise<OperatorReply> {
    this.asked.push(request.instruction);
    this.requests.push(request);
    this.act?.(request);
    return this.answer;
  }
}

/** Asked in the terminal tests: the words are what matter there. */
const asking = (instruction: string): OperatorRequest => ({
  instruction,
  port: 7,
  wanted: open(5001, 'ERSO', true),
});

let emulator: RunningEmulator;
let exchanges: Exchange[];
let notes: string[];

function arranger(
  options: { fixtures?: Fixtures; operator?: Operator | string; stream?: CaseStream } = {},
): TaskArranger {
  return new TaskArranger({
    stream: async () => options.stream,
    target: { taskUrl: emulator.taskUrl, timeoutMs: 5000, maxResponseBytes: 1024 * 1024 },
    fixtures: options.fixtures ?? FIXTURES,
    arrangementMs: 0,
    operator: options.operator ?? 'the profile declares none: capabilities.operator',
    record: (e) => exchanges.push(e),
    note: (line) => notes.push(line),
  });
}

describe('arranging through the Task Interface', () => {
  beforeEach(async () => {
    emulator = await startEmulator({
      port: 0,
      logPort: 0,
      rig: false,
      quiet: true,
      site: 'profiles/emulator-no-rig.site.json',
    });
    exchanges = [];
    notes = [];
  });
  afterEach(async () => {
    await closeClient();
    await emulator.close();
  });

  it('opens an AutoCase port with the bin selected, and reads it back before saying so', async () => {
    const ti = arranger();
    assert.equal(await ti.port(4, open(101337)), undefined);
    const labels = exchanges.map((e) => e.label);
    assert.deepEqual(labels, [
      'arrange: getportstatus in XML',
      'arrange: case_getstate in XML',
      'arrange: openport in XML',
      'arrange: openbin in XML',
      'arrange: getportstatus in XML',
      'arrange: case_getstate in XML',
    ]);
    assert.match(
      notes.join('\n'),
      /read it back: AC, OPEN, bin 101337 selected, case NOOP; case_error false: not shown/,
    );
    assert.deepEqual(await ti.view(4), {
      exists: true,
      fields: { type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'NOOP' },
      unreadable: ['case_error'],
    });
    // Another bin: the first is closed, the new one opened.
    assert.equal(await ti.port(4, open(5001)), undefined);
    assert.match(notes.at(-1) ?? '', /closebin 101337, openbin 5001/);
  });

  it('closes a port, and starts an extraction for "EREQ without error"', async () => {
    const ti = arranger();
    assert.equal(await ti.port(7, { ...open(null), mode: 'CLOSED' }), undefined);
    assert.equal(await ti.port(7, open(5001, 'EREQ')), undefined);
    assert.ok(exchanges.some((e) => e.label === 'arrange: case_extract in XML'));
    assert.match(notes.at(-1) ?? '', /case_extract clears it/);
    // The extraction it started may serve again; one it cannot end makes "NOOP" unreachable, and says so.
    assert.equal(await arranger().port(7, open(5001, 'EREQ')), undefined);
    const noop = await arranger().port(7, open(5001));
    assert.equal(noop?.verdict, 'INCONCLUSIVE');
    assert.match(noop?.reason ?? '', /reads back case_state EREQ \(wanted NOOP\)/);
  });

  it('never passes what only a rig or an operator can cause, and touches nothing for it', async () => {
    const inError = await arranger().port(4, open(101337, 'ERSO', true));
    assert.equal(inError?.verdict, 'INCONCLUSIVE');
    assert.match(inError?.reason ?? '', /an AutoCase in error/);
    assert.match(inError?.reason ?? '', /capabilities\.operator/);
    const auto = await arranger().port(4, { ...open(null), mode: 'AUTO' });
    assert.match(auto?.reason ?? '', /mode AUTO/);
    assert.equal(exchanges.length, 0);
  });

  it('lets a declared port of another type, or one that does not exist, play the scenario port', async () => {
    const ti = arranger();
    assert.equal(await ti.port(12, { ...open(101337), type: 'CA' }), undefined);
    assert.equal(ti.targetPort(12), 14);
    assert.match(notes.at(-1) ?? '', /port 14 \(the scenario's port 12\).*a port of type CA has no AutoCase/);
    assert.equal(await ti.noPort(5), undefined);
    assert.equal(ti.targetPort(5), 1999);
    assert.deepEqual(await ti.view(5), { exists: false });
    const ve = await arranger().port(12, { ...open(101337), type: 'VE' });
    assert.match(
      ve?.reason ?? '',
      /must have port_type VE, and the profile declares no such port \(fixtures\.other_ports\)/,
    );
    const ac = await arranger().port(12, open(101337));
    assert.match(ac?.reason ?? '', /fixtures\.autocase_ports/);
  });

  it('reports INCONCLUSIVE what differs when the profile is wrong about the target', async () => {
    const wrong = await arranger({ fixtures: { ...FIXTURES, autocase_ports: [12] } }).port(12, open(101337));
    assert.match(wrong?.reason ?? '', /port 12 shows port_type CO, the profile declares AC/);
    const present = await arranger({ fixtures: { ...FIXTURES, absent_port: 4 } }).noPort(4);
    assert.match(
      present?.reason ?? '',
      /declared absent \(profile fixtures\.absent_port\), but getportstatus shows it/,
    );
    const bins = await arranger({ fixtures: { ...FIXTURES, bins: [1] } }).port(4, open(101337));
    assert.match(bins?.reason ?? '', /bin 101337 is not among .* \(fixtures\.bins\)/);
  });

  it('cannot read the Log Publisher or a whole port without a rig', async () => {
    const events = await arranger().events();
    assert.match(events.reason, /Log Publisher.*needs a rig/);
    const read = await arranger().read();
    assert.equal(read.verdict, 'INCONCLUSIVE');
  });

  it('asks the operator for what the Task Interface cannot do, after doing what it can', async () => {
    const confirm = new FakeOperator('confirm');
    assert.equal(await arranger({ operator: confirm }).port(4, open(101337, 'NOOP', true)), undefined);
    assert.match(confirm.asked[0] ?? '', /put the AutoCase on port 4 into an error with its case state NOOP/);
    assert.ok(
      exchanges.some((e) => e.label === 'arrange: openbin in XML'),
      'the port and bin come first',
    );
    assert.match(notes.at(-1) ?? '', /the operator confirmed it/);

    const extraction = new FakeOperator('not-applicable');
    const na = await arranger({ operator: extraction }).port(7, open(5001, 'ERSO', true));
    assert.match(
      extraction.asked[0] ?? '',
      /put the AutoCase on port 7 into an error during the extraction of bin 5001, once it has reached ERSO/,
    );
    assert.equal(na?.verdict, 'NOT APPLICABLE');

    const late = await arranger({ operator: new FakeOperator('timeout') }).port(
      4,
      open(101337, 'NOOP', true),
    );
    assert.match(late?.reason ?? '', /no answer from the operator/);

    assert.equal(operatorAborted(), false);
    const abort = await arranger({ operator: new FakeOperator('abort') }).port(4, open(101337, 'NOOP', true));
    assert.equal(abort?.reason, OPERATOR_ABORTED);
    assert.equal(operatorAborted(), true);
  });

  it("checks an operator's move of an AutoCase on the Log Publisher, and says so when no line comes", async () => {
    const listener = await LogListener.connect({ host: '127.0.0.1', port: emulator.logPort });
    try {
      const stream = (timeoutMs: number): CaseStream => ({
        mark: () => listener.mark(),
        async showed(mark, port, state) {
          const outcome = await listener.waitFor(
            (line) => line.segment.tag === 'AC' && line.segment.port === port && line.segment.state === state,
            { after: mark as Mark, timeoutMs },
          );
          return outcome.kind === 'found'
            ? { seen: true, detail: outcome.line.text }
            : { seen: false, detail: outcome.reason };
        },
      });
      // The Task Interface starts the extraction (EREQ); the operator is to hold it at ERSO in error, confirms, and
      // nothing moves: no AC line shows ERSO, so the precondition is not taken as reached.
      const idle = await arranger({ operator: new FakeOperator('confirm'), stream: stream(300) }).port(
        7,
        open(5001, 'ERSO', true),
      );
      assert.equal(idle?.verdict, 'INCONCLUSIVE', notes.join('\n'));
      assert.match(
        idle?.reason ?? '',
        /the operator confirmed port 7 at case ERSO, but the Log Publisher did not show it/,
      );

      // An operator who does it (here: the port's hardware, in process): the move shows, the arrangement stands.
      const acting = new FakeOperator('confirm', ({ port, wanted }) => {
        emulator.operate(port, { case_state: wanted.case_state, case_error: wanted.case_error });
      });
      notes = [];
      const moved = await arranger({ operator: acting, stream: stream(2000) }).port(
        7,
        open(5001, 'ERSO', true),
      );
      assert.equal(moved, undefined, notes.join('\n'));
      assert.deepEqual(acting.requests[0]?.wanted, open(5001, 'ERSO', true));
      assert.equal(acting.requests[0]?.port, 7);
      assert.match(
        notes.join('\n'),
        /the Log Publisher after the operator's confirmation: AC,7,5001,ERSO/,
        notes.join('\n'),
      );
      assert.match(
        notes.at(-1) ?? '',
        /case_error true: not shown by the Task Interface; the operator confirmed it, and the Log Publisher showed it \(AC,7,5001,ERSO\)/,
      );
      assert.deepEqual(emulator.snapshot().get(7), open(5001, 'ERSO', true));

      // An operator that could not answer (a scripted one that failed): INCONCLUSIVE with its reason.
      const broken = await arranger({
        operator: new FakeOperator({
          failure: 'the operator command (--operator-command) exited with code 3',
        }),
        stream: stream(300),
      }).port(4, open(101337, 'ERSO', true));
      assert.deepEqual(broken, {
        verdict: 'INCONCLUSIVE',
        reason: 'the operator command (--operator-command) exited with code 3',
      });
    } finally {
      await listener.close();
    }
  });
});

describe('the operator at a terminal', () => {
  function terminal(timeoutMs = 60_000) {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => {
      shown += chunk.toString();
    });
    return { operator: new TerminalOperator(input, output, timeoutMs), input, shown: () => shown };
  }

  it('shows what to do and takes c, n or a, asking again for anything else', async () => {
    const { operator, input, shown } = terminal();
    const answer = operator.ask(asking('put the AutoCase on port 7 into an error'));
    input.write('maybe\n');
    input.write('c\n');
    assert.equal(await answer, 'confirm');
    assert.match(shown(), /On the rig: put the AutoCase on port 7 into an error/);
    assert.match(shown(), /type c, n or a/);
    const second = operator.ask(asking('again'));
    input.write('n\n');
    assert.equal(await second, 'not-applicable');
  });

  it('gives up when nobody answers, or the input ends', async () => {
    const slow = terminal(10);
    assert.equal(await slow.operator.ask(asking('anything')), 'timeout');
    const closed = terminal();
    const answer = closed.operator.ask(asking('anything'));
    closed.input.end();
    assert.equal(await answer, 'closed');
  });

  it('reads the answers a person types', () => {
    assert.equal(parseOperatorAnswer(' C '), 'confirm');
    assert.equal(parseOperatorAnswer('not-applicable'), 'not-applicable');
    assert.equal(parseOperatorAnswer('a'), 'abort');
    assert.equal(parseOperatorAnswer('x'), undefined);
  });
});
