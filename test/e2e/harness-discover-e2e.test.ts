// Discovery through the real command, against an emulator with no rig in this process: the one line, site.json,
// --write-profile and a run with the profile it wrote giving the same verdicts; a target that cannot be read; the
// flags refused with exit 2 and one line. Not a terminal here: no progress line, only the final lines.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, type SiteConfig, startEmulator } from '../../emulator/index.ts';
import type { SiteMap } from '../../support/site/site-map.ts';
import { runHarness, type ScriptRun } from '../helpers/run-script.ts';

/** A site with one port of several kinds, standing as a controller on a test system might. */
const SITE: SiteConfig = {
  ports: [
    { port_id: 1, type: 'AC', mode: 'CLOSED' },
    { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', case_error: true },
    { port_id: 7, type: 'AC', mode: 'OPEN', selected_bin: 5001, case_state: 'NOOP' },
    { port_id: 8, type: 'AC', mode: 'OPEN' },
    { port_id: 12, type: 'CO', mode: 'CLOSED' },
    { port_id: 14, type: 'CA', mode: 'OPEN', selected_bin: 9 },
    { port_id: 2000, type: 'AC', mode: 'OPEN', selected_bin: 4000000, case_state: 'ECMP' },
  ],
};

function harness(args: readonly string[]): Promise<ScriptRun> {
  return runHarness(args, { env: { HARNESS_REPORTS: 'messages' }, timeoutMs: 170_000 });
}

interface Counts {
  readonly PASSED: number;
  readonly FAILED: number;
  readonly 'NOT APPLICABLE': number;
  readonly INCONCLUSIVE: number;
}

async function countsOf(reports: string): Promise<Counts> {
  const verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as {
    counts: Counts;
  };
  return verdicts.counts;
}

describe('discovery through npm test, with no rig', () => {
  let dir: string;
  let emulator: RunningEmulator;
  let address: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'discover-e2e-'));
    emulator = await startEmulator({ port: 0, rig: false, site: SITE });
    address = new URL(emulator.taskUrl).host;
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads ports 1-2000, says so in one line, keeps site.json, writes a profile that gives the same verdicts', async () => {
    const profile = path.join(dir, 'found.json');
    const first = path.join(dir, 'first');
    // the properties at 10 runs each: what is compared is the verdicts, which their number of runs does not move
    const run = await harness([
      `--target=${address}`,
      `--reports=${first}`,
      `--write-profile=${profile}`,
      '--fuzz-runs=10',
    ]);
    assert.ok(run.code === 0 || run.code === 1, run.output);
    const lines = run.stdout.split('\n');
    const found = lines.filter((l) => l.startsWith('read-only:'));
    assert.equal(found.length, 1, run.stdout);
    assert.match(
      found[0] ?? '',
      /^read-only: 7 ports found \(5 AutoCase, 2 other\), 1993 absent, ports 1-2000 read in \d+\.\d s; this run sends only reads and probes, it changes nothing$/,
    );
    assert.ok(
      lines.includes(
        `profile: what was found is written to ${profile}; replace its identity placeholders, keep it, and run with --target-profile=${profile}`,
      ),
      run.stdout,
    );
    // Not a terminal: no live line anywhere.
    assert.ok(!run.output.includes('\r'), 'a carriage return in output that is not a terminal');
    assert.ok(!run.output.includes('reading the site'));
    assert.ok(!run.output.includes('scenario 1 of'));

    const site = JSON.parse(await readFile(path.join(first, 'site.json'), 'utf8')) as SiteMap;
    assert.deepEqual(
      site.ports.map((p) => p.port_id),
      [1, 4, 7, 8, 12, 14, 2000],
    );
    assert.equal(site.absent.length, 1993);
    const exchanges = (await readFile(path.join(first, 'exchanges.ndjson'), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"scenario":"discovery"'));
    assert.equal(exchanges.length, 2000 + 5, 'every discovery call is in the evidence');

    const second = path.join(dir, 'second');
    const again = await harness([`--target-profile=${profile}`, `--reports=${second}`, '--fuzz-runs=10']);
    assert.equal(again.code, run.code, again.output);
    assert.match(
      again.stdout,
      /^read-only: 7 ports found \(5 AutoCase, 2 other\), 1 absent, the 8 ports the profile lists read in /m,
    );
    assert.deepEqual(await countsOf(second), await countsOf(first));
  });

  it('reads only --ports, and never writes over a profile', async () => {
    const kept = path.join(dir, 'kept.json');
    await writeFile(kept, '{"mine": true}\n');
    const refused = await harness([`--target=${address}`, `--reports=${dir}/r`, `--write-profile=${kept}`]);
    assert.equal(refused.code, 2, refused.output);
    assert.match(
      refused.stderr,
      /^harness: --write-profile=.*kept\.json: the file exists; the harness never overwrites a profile/m,
    );
    assert.equal(await readFile(kept, 'utf8'), '{"mine": true}\n');

    const some = await harness([
      `--target=${address}`,
      `--reports=${dir}/some`,
      '--ports=1-10,1995-2000',
      '--tags',
      '@error:1000',
    ]);
    assert.match(
      some.stdout,
      /^read-only: 5 ports found \(5 AutoCase, 0 other\), 11 absent, ports 1-10, 1995-2000 read in /m,
    );
  });

  for (const [args, message] of [
    [['--ports=1-3000'], /^harness: --ports=1-3000: port 3000 is outside 1-2000$/m],
    [['--ports=two'], /^harness: --ports=two: "two" is not a port list/m],
    [
      ['--write-profile=/no/such/folder/p.json', '--target=ADDRESS'],
      /^harness: --write-profile=\/no\/such\/folder\/p\.json: the folder \/no\/such\/folder does not exist$/m,
    ],
    [
      ['--write-profile=PROFILE'],
      /^harness: --write-profile writes what the harness reads of a target without a rig; the embedded emulator .* has the rig /m,
    ],
  ] as const) {
    it(`refuses ${args.join(' ')} with exit 2 and one line`, async () => {
      const argv = args.map((a) =>
        a.replace('ADDRESS', address).replace('PROFILE', path.join(dir, 'never.json')),
      );
      const run = await harness([...argv, `--reports=${dir}/refused`]);
      assert.equal(run.code, 2, run.output);
      assert.match(run.stderr, message);
      await assert.rejects(stat(path.join(dir, 'never.json')));
    });
  }
});

describe('discovery of a target whose read methods it cannot read', () => {
  let server: Server;
  let address: string;
  let calls = 0;
  before(async () => {
    // Answers every POST with a body the harness cannot read as a Task Interface answer.
    server = createServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><status>fine</status>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('says so in one line and goes on with what needs no site', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'discover-garbage-'));
    try {
      const run = await harness([`--target=${address}`, `--reports=${dir}`, '--tags', '@error:1003']);
      const lines = run.stdout.split('\n').filter((l) => l.startsWith('discovery:'));
      assert.equal(lines.length, 1, run.output);
      assert.match(
        lines[0] ?? '',
        /^discovery: the read methods answer in a shape the harness does not understand \(getportstatus of port \d+ answers .*\); stopped after \d+ such answers, \d+ of 2000 ports read; the run goes on with what needs no site$/,
      );
      assert.ok(!run.stdout.includes('read-only:'));
      assert.match(run.stdout, /^\d+ scenarios: /m, 'the run went on');
      const site = JSON.parse(await readFile(path.join(dir, 'site.json'), 'utf8')) as SiteMap;
      assert.ok(site.unreadable);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.ok(calls < 200, `${calls} calls: discovery did not stop early`);
  });
});
