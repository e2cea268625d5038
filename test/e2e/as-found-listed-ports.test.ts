// A controller judged as found with a profile that lists the ports the run may use (docs/spec/as-found.md: "the
// harness reads the ports it may use: those the profile lists"), through the real command. Port 4, the port the
// scenarios name, is in production use with an extraction in error, and not listed; neither are ports 1, 7 and
// 2000. In front of the emulator a lenient controller's parser: it drops a trailing `<extra/>`, so the robustness
// body that ends in one reaches the controller as a valid call. From the emulator's own record and the run's
// exchanges: no port outside the list is read or called, the bodies written literally in the feature files name
// only the port that plays the scenario's, nothing on the site changed, and the lenient parser is still caught.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  describeRecorded,
  type PortState,
  type RecordedCall,
  type RunningEmulator,
  startEmulator,
} from '../../emulator/index.ts';
import { digitRuns } from '../../support/site/literal-ids.ts';
import { LISTED, LISTED_PORTS_SITE } from '../helpers/listed-ports-site.ts';
import { runHarness, type ScriptRun } from '../helpers/run-script.ts';

const SITE = LISTED_PORTS_SITE;
const NOT_LISTED: readonly number[] = [1, 4, 7, 2000];
const EXTRA = '<extra/>';

let emulator: RunningEmulator;
let proxy: Server;
let dir = '';
let run: ScriptRun;
const recorded: RecordedCall[] = [];
/** What the lenient parser passed on after dropping a trailing <extra/>. */
const lenient: string[] = [];
let before_: ReadonlyMap<number, PortState>;
let after_: ReadonlyMap<number, PortState>;

interface Verdicts {
  readonly counts: Readonly<Record<string, number>>;
  readonly scenarios: readonly { scenario: string; name: string; verdict: string; reason?: string }[];
}
let verdicts: Verdicts;

/** Forwards every request to the emulator; a body that ends in <extra/> goes without it. */
function forward(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body = Buffer.concat(chunks).toString('utf8');
    if (body.endsWith(EXTRA)) {
      body = body.slice(0, -EXTRA.length);
      lenient.push(body);
    }
    const to = new URL(emulator.taskUrl);
    // the body goes on whole, with its length: a chunked one is no longer chunked
    const { 'transfer-encoding': _chunked, ...sent } = req.headers;
    const headers = { ...sent, host: to.host, 'content-length': String(Buffer.byteLength(body)) };
    const out = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  });
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'as-found-listed-'));
  emulator = await startEmulator({
    port: 0,
    rig: false,
    quiet: true,
    site: SITE,
    record: (call) => recorded.push(call),
  });
  proxy = createServer(forward);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  const profile = path.join(dir, 'listed.json');
  await writeFile(
    profile,
    JSON.stringify({
      identity: { vendor: 'test', product: 'a site as found, some ports listed', software_release: '0' },
      task_url: `http://127.0.0.1:${port}/api/v2/task`,
      capabilities: { json: true, rig: false, task_interface_arrangement: false, operator: false },
      fixtures: {
        absent_port: 201,
        autocase_ports: [101, 102, 103, 104],
        other_ports: [{ port_id: 150, type: 'CO' }],
        bins: 'any',
      },
    }),
  );
  before_ = emulator.snapshot();
  run = await runHarness([`--target-profile=${profile}`, `--reports=${dir}/reports`], {
    env: { HARNESS_REPORTS: 'messages' },
    timeoutMs: 600_000,
  });
  after_ = emulator.snapshot();
  verdicts = JSON.parse(await readFile(path.join(dir, 'reports', 'verdicts.json'), 'utf8')) as Verdicts;
});

after(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The port a recorded call names, when the emulator read port_id as an id in 1-2000. */
function portOf(call: RecordedCall): number | undefined {
  if (call.input.kind !== 'call') return undefined;
  const id = Number(/^port_id=(\S+)/.exec(call.input.params)?.[1]);
  return Number.isInteger(id) && id >= 1 && id <= 2000 ? id : undefined;
}

describe('as found with a profile that lists the ports the run may use', () => {
  it('ran to its end', () => {
    assert.ok((verdicts.counts.total ?? 0) > 0, run.output.slice(-3000));
    assert.match(run.stdout, /^read-only: 5 ports found .* the 6 ports the profile lists read in /m);
  });

  it('read and called only the ports the profile lists', () => {
    const outside = recorded.filter((call) => {
      const port = portOf(call);
      return port !== undefined && !LISTED.includes(port);
    });
    assert.deepEqual(outside.map(describeRecorded), []);
    assert.ok(recorded.some((call) => portOf(call) === 101));
  });

  it('sent the bodies the feature files write literally on the port that plays the scenario', async () => {
    const lines = (await readFile(path.join(dir, 'reports', 'exchanges.ndjson'), 'utf8')).split('\n');
    const bodies = lines
      .filter((line) => line.includes('"scenario":"features/robustness.feature:'))
      .map((line) => (JSON.parse(line) as { exchange: { request: { body?: string } } }).exchange.request.body)
      .filter((body): body is string => typeof body === 'string' && body !== '');
    // on a listed AutoCase port: 102 (CLOSED) first, where no cancel can succeed whatever a lenient parser reads
    assert.ok(bodies.some((body) => /case_cancel 10[1-4] /.test(body)));
    const naming = bodies.filter((body) =>
      digitRuns(body.replace(/^\s*<\?xml[\s\S]*?\?>/, '')).some((run) => NOT_LISTED.includes(run.value)),
    );
    assert.deepEqual(naming, []);
  });

  it('the lenient parser read the body with <extra/> as a call on a listed port, which changed nothing', () => {
    assert.equal(lenient.length, 1);
    // the refused call plays where no cancel can succeed: port 102, CLOSED (port 101 could let one succeed)
    assert.match(lenient[0] ?? '', /<port_id>102<\/port_id>/);
    assert.deepEqual(recorded.filter((call) => call.changed).map(describeRecorded), []);
    assert.deepEqual(after_, before_);
    assert.deepEqual(emulator.events(), []);
  });

  it('the lenient parser is caught, and nothing else fails', () => {
    const failed = verdicts.scenarios.filter((s) => s.verdict === 'FAILED');
    assert.deepEqual(
      failed.map((s) => s.name),
      [
        `A body that is neither XML nor JSON is refused ('<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall><extra/>', XML)`,
      ],
    );
    const unexplained = verdicts.scenarios.filter((s) => s.verdict === 'INCONCLUSIVE' && !s.reason?.trim());
    assert.deepEqual(unexplained, []);
    console.log(
      `as found, ports listed: ${verdicts.counts.total} scenarios, ${verdicts.counts.PASSED} PASSED, ${verdicts.counts.FAILED} FAILED, ${verdicts.counts.INCONCLUSIVE} INCONCLUSIVE; ${recorded.length} requests recorded`,
    );
  });
});
