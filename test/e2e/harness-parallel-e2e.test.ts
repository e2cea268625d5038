// --parallel through the real command (support/runner/workers.ts): the whole suite across two workers, an
// embedded emulator each, gives every scenario the verdict a run in one process gives it; a target with a rig
// refuses --parallel in one line before it is called; and on a site as found, a worker with a port set of the
// profile's never calls a port outside it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RecordedCall, type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { AS_FOUND_SITE_FILE } from '../../emulator/site.ts';
import { integralLiteral } from '../../support/fuzz/oracle.ts';
import { runHarness } from '../helpers/run-script.ts';

const RUN_TIMEOUT_MS = 300_000;

interface Verdicts {
  readonly counts: Readonly<Record<string, number>>;
  readonly scenarios: readonly { scenario: string; name: string; verdict: string; reason?: string }[];
}

async function verdictsOf(dir: string): Promise<Verdicts> {
  return JSON.parse(await readFile(path.join(dir, 'verdicts.json'), 'utf8')) as Verdicts;
}

function byScenario(v: Verdicts): Map<string, string> {
  return new Map(v.scenarios.map((s) => [`${s.scenario} ${s.name}`, `${s.verdict} ${s.reason ?? ''}`]));
}

/**
 * The port ids a request body names as the spec reads a port_id (XML: digits, a plus sign, whitespace; JSON: a
 * number with an integral value); a value the spec refuses names no port (the answer is a parameter fault).
 */
function portsNamed(body: string): number[] {
  const ids: number[] = [];
  for (const match of body.matchAll(/<port_id>([^<]*)<\/port_id>/g)) {
    const text = (match[1] ?? '').trim();
    if (/^\+?[0-9]+$/.test(text)) ids.push(Number(text));
  }
  if (body.trimStart().startsWith('{')) {
    try {
      const port = (JSON.parse(body) as { params?: { port_id?: unknown } }).params?.port_id;
      // as a conforming controller reads it: 4.0000000000000000001 is a fraction, though its double is 4
      const literal = /"port_id"\s*:\s*(-?[0-9][0-9.eE+-]*)/.exec(body)?.[1];
      if (
        typeof port === 'number' &&
        Number.isInteger(port) &&
        literal !== undefined &&
        integralLiteral(literal)
      )
        ids.push(port);
    } catch {
      // not JSON: refused, whatever it holds
    }
  }
  return ids.filter((id) => id >= 1 && id <= 2000);
}

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parallel-e2e-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the suite across two workers, an embedded emulator each', () => {
  it('gives every scenario the verdict a run in one process gives it, and reports them all', async () => {
    const serial = path.join(dir, 'serial');
    const parallel = path.join(dir, 'parallel');
    const seed = '20261202';
    const [one, two] = await Promise.all([
      runHarness([`--seed=${seed}`, '--parallel', '0', `--reports=${serial}`], { timeoutMs: RUN_TIMEOUT_MS }),
      runHarness([`--seed=${seed}`, '--parallel', '2', `--reports=${parallel}`], {
        timeoutMs: RUN_TIMEOUT_MS,
      }),
    ]);
    assert.equal(one.code, 0, one.output.slice(-3000));
    assert.equal(two.code, 0, two.output.slice(-3000));
    assert.match(two.stdout, /target: the embedded emulator at \S+ and 1 more, one a cucumber worker/);
    const total = Number(/^(\d+) scenarios: \1 PASSED, 0 FAILED/m.exec(two.stdout)?.[1]);
    assert.ok(total > 300, two.stdout);
    const [a, b] = [await verdictsOf(serial), await verdictsOf(parallel)];
    assert.deepEqual(b.counts, a.counts);
    assert.equal(a.scenarios.length, total);
    assert.deepEqual(byScenario(b), byScenario(a));
    // the reports of both workers: every scenario in JUnit, every exchange in the log, with its worker
    const junit = await readFile(path.join(parallel, 'junit.xml'), 'utf8');
    assert.equal(junit.match(/<testcase /g)?.length, total);
    const workers = new Set<number>();
    for (const line of (await readFile(path.join(parallel, 'exchanges.ndjson'), 'utf8')).split('\n')) {
      if (line === '') continue;
      const entry = JSON.parse(line) as { worker?: number };
      if (entry.worker !== undefined) workers.add(entry.worker);
    }
    assert.deepEqual([...workers].sort(), [0, 1]);
  });
});

describe('--parallel on a target the workers would share', () => {
  it('refuses it with a rig in one line, before calling the target', async () => {
    const { code, stderr } = await runHarness([
      '--target=http://127.0.0.1:9/api/v2/task',
      '--rig=http://127.0.0.1:9/rig/v1',
      '--parallel',
      '2',
      `--reports=${path.join(dir, 'refused')}`,
    ]);
    assert.equal(code, 2, stderr);
    const lines = stderr.trim().split('\n');
    assert.match(
      lines[0] ?? '',
      /^harness: --parallel 2: a rig's POST \/reset and GET \/events are the whole target's .* without --parallel$/,
    );
    assert.doesNotMatch(stderr, /does not answer|cannot be used/);
  });
});

describe('a worker with a port set, on a site as found', () => {
  let emulator: RunningEmulator;
  const recorded: RecordedCall[] = [];
  const SETS = ['1-19,1500', '20-50,2000'];
  const setOf = SETS.map((list) => {
    const ids = new Set<number>();
    for (const part of list.split(',')) {
      const [from, to] = part.split('-').map(Number) as [number, number | undefined];
      for (let id = from; id <= (to ?? from); id++) ids.add(id);
    }
    return ids;
  });

  before(async () => {
    emulator = await startEmulator({
      port: 0,
      rig: false,
      site: fileURLToPath(AS_FOUND_SITE_FILE),
      record: (call) => recorded.push(call),
    });
  });
  after(async () => {
    await emulator?.close();
  });

  it('never calls a port outside its set', async () => {
    const site = JSON.parse(await readFile(AS_FOUND_SITE_FILE, 'utf8')) as {
      ports: { port_id: number; type: string }[];
    };
    const profile = path.join(dir, 'as-found-parallel.json');
    await writeFile(
      profile,
      JSON.stringify({
        identity: { vendor: 'V', product: 'the emulator as found', software_release: '1' },
        task_url: emulator.taskUrl,
        capabilities: { json: true, rig: false, task_interface_arrangement: false, operator: false },
        fixtures: {
          autocase_ports: site.ports.filter((p) => p.type === 'AC').map((p) => p.port_id),
          other_ports: site.ports
            .filter((p) => p.type !== 'AC')
            .map((p) => ({ port_id: p.port_id, type: p.type })),
          bins: 'any',
        },
        discovery: { ports: '1-50,1500,2000' },
        parallel: { port_sets: SETS },
      }),
    );
    const reports = path.join(dir, 'as-found');
    const run = await runHarness(
      [`--target-profile=${profile}`, '--parallel', '2', '--seed=5', `--reports=${reports}`],
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    assert.ok(run.code === 0, run.output.slice(-3000));
    const verdicts = await verdictsOf(reports);
    assert.equal(verdicts.counts.FAILED, 0);
    assert.ok((verdicts.counts.PASSED ?? 0) > 100, JSON.stringify(verdicts.counts));
    // Every call a worker made, from the run's exchange log: the port its body names is in the worker's set. The
    // feature's literal bodies that are not calls (`the body "..."`) are refused by any controller whatever they
    // hold; they are the only exchanges left out.
    const seen = new Map<number, number>();
    let checked = 0;
    for (const line of (await readFile(path.join(reports, 'exchanges.ndjson'), 'utf8')).split('\n')) {
      if (line === '') continue;
      const entry = JSON.parse(line) as {
        scenario?: string;
        worker?: number;
        exchange: { label: string; request: { body: string } };
      };
      if (entry.scenario === 'discovery' || entry.scenario === 'capability check') continue;
      assert.ok(entry.worker === 0 || entry.worker === 1, line.slice(0, 300));
      seen.set(entry.worker, (seen.get(entry.worker) ?? 0) + 1);
      if (entry.exchange.label.startsWith('the body "')) continue;
      for (const port of portsNamed(entry.exchange.request.body)) {
        checked++;
        assert.ok(
          setOf[entry.worker]?.has(port),
          `worker ${entry.worker} called port ${port}, outside its set ${SETS[entry.worker]}: ${entry.exchange.label} in ${entry.scenario}`,
        );
      }
    }
    assert.ok((seen.get(0) ?? 0) > 0 && (seen.get(1) ?? 0) > 0, JSON.stringify([...seen]));
    assert.ok(checked > 200, `only ${checked} calls named a port`);
    // and the emulator's own record agrees: discovery and both workers kept to the sets, and nothing changed
    const union = new Set([...(setOf[0] ?? []), ...(setOf[1] ?? [])]);
    const outside = recorded.flatMap((call) => {
      if (call.input.kind !== 'call') return [];
      const port = Number(/port_id=(\d+)/.exec(call.input.params)?.[1]);
      return port >= 1 && port <= 2000 && !union.has(port)
        ? [`${call.input.method} ${call.input.params}`]
        : [];
    });
    assert.deepEqual(outside, []);
    assert.deepEqual(
      recorded.filter((call) => call.changed).map((call) => JSON.stringify(call.input)),
      [],
    );
  });
});
