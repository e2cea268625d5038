// Discovery against an emulator in this process with no rig, and against targets that cannot be read: which ports
// it finds and how they stand, what answers 1000, that excluded ports are never called, and that a target whose
// read methods answer garbage or nothing is given up on after a few calls, with one reason.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, type SiteConfig, startEmulator } from '../emulator/index.ts';
import type { TargetConfig } from '../support/model.ts';
import { parseOptions, UsageError } from '../support/options.ts';
import { checkProfile, ProfileError } from '../support/profile/profile.ts';
import {
  DISCOVERY_CONCURRENCY,
  describeSite,
  describeSiteSource,
  discoverSite,
  MAX_READ_PROBLEMS,
  rangeSource,
} from '../support/site/discover.ts';
import { formatPortList, PortListError, parsePortList, portsOf } from '../support/site/port-list.ts';
import { closeClient } from '../support/wire/exchange.ts';

const SITE: SiteConfig = {
  ports: [
    { port_id: 1, type: 'AC', mode: 'CLOSED' },
    { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', case_error: true },
    { port_id: 7, type: 'AC', mode: 'OPEN', selected_bin: 5001, case_state: 'NOOP' },
    { port_id: 12, type: 'CO', mode: 'OPEN', selected_bin: 101338 },
    { port_id: 14, type: 'CA', mode: 'CLOSED' },
    { port_id: 40, type: 'AC', mode: 'INSERT', case_state: 'IREQ' },
    { port_id: 1990, type: 'VE', mode: 'CLOSED' },
    { port_id: 2000, type: 'AC', mode: 'OPEN', selected_bin: 4000000, case_state: 'ICRC' },
  ],
};

/** A task server on 127.0.0.1 that answers each call with `answer(port_id, method name)` as XML. */
async function xmlTaskServer(
  answer: (port: number, method: string | undefined) => string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const port = Number(/<port_id>(\d+)<\/port_id>/.exec(body)?.[1]);
      const method = /<name>(\w+)<\/name>/.exec(body)?.[1];
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(answer(port, method));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2/task`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function targetOf(taskUrl: string, timeoutMs = 10_000): TargetConfig {
  return { taskUrl, timeoutMs, maxResponseBytes: 1024 * 1024 };
}

/** A tiny HTTP server on 127.0.0.1 that answers every request with `answer`, counting them. */
async function fakeTarget(
  answer: (res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    calls++;
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2/task`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('discovery of a site through getportstatus and case_getstate', () => {
  let emulator: RunningEmulator;
  /** port ids of every call the emulator saw, by method. */
  const seen: { method: string; port: number }[] = [];
  before(async () => {
    emulator = await startEmulator({
      port: 0,
      rig: false,
      site: SITE,
      log: (line) => {
        const match = /^(\w+) port_id=(\d+)/.exec(line);
        if (match) seen.push({ method: match[1] as string, port: Number(match[2]) });
      },
    });
  });
  after(async () => {
    await emulator.close();
    await closeClient();
  });

  it('reads every port of 1-2000: the ports that exist as they stand, the rest absent, in seconds', async () => {
    seen.length = 0;
    const progress: number[] = [];
    const site = await discoverSite(targetOf(emulator.taskUrl), rangeSource(parsePortList('1-2000')), {
      excluded: [],
      onProgress: (read, total) => {
        assert.equal(total, 2000);
        progress.push(read);
      },
    });
    assert.equal(site.unreadable, undefined);
    assert.deepEqual(site.source, { kind: 'range', from: 1, to: 2000 });
    assert.deepEqual(site.ports, [
      { port_id: 1, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' },
      { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO' },
      { port_id: 7, type: 'AC', mode: 'OPEN', selected_bin: 5001, case_state: 'NOOP' },
      { port_id: 12, type: 'CO', mode: 'OPEN', selected_bin: 101338 },
      { port_id: 14, type: 'CA', mode: 'CLOSED', selected_bin: null },
      { port_id: 40, type: 'AC', mode: 'INSERT', selected_bin: null, case_state: 'IREQ' },
      { port_id: 1990, type: 'VE', mode: 'CLOSED', selected_bin: null },
      { port_id: 2000, type: 'AC', mode: 'OPEN', selected_bin: 4000000, case_state: 'ICRC' },
    ]);
    const existing = new Set(SITE.ports.map((p) => p.port_id));
    assert.deepEqual(
      site.absent,
      portsOf([{ from: 1, to: 2000 }]).filter((id) => !existing.has(id)),
    );
    // Each port read once with getportstatus, case_getstate only on the five AutoCase ones, nothing else sent.
    assert.equal(seen.filter((c) => c.method === 'getportstatus').length, 2000);
    assert.deepEqual(
      seen
        .filter((c) => c.method === 'case_getstate')
        .map((c) => c.port)
        .sort((a, b) => a - b),
      [1, 4, 7, 40, 2000],
    );
    assert.deepEqual([...new Set(seen.map((c) => c.method))].sort(), ['case_getstate', 'getportstatus']);
    assert.equal(progress.length, 2000);
    assert.equal(progress[progress.length - 1], 2000);
    // Seconds, not minutes: against an emulator in this process it is well under one (docs/certification.md).
    assert.ok(site.ms < 30_000, `2000 ports took ${site.ms} ms`);
    assert.match(
      describeSite(site, false),
      /^read-only: 8 ports found \(5 AutoCase, 3 other\), 1992 absent, ports 1-2000 read in \d+\.\d s; this run sends only reads and probes, it changes nothing$/,
    );
    assert.match(
      describeSite(site, true),
      /^discovery: 8 ports found .*; the profile allows changes \(capabilities\.task_interface_arrangement\): this run may change ports through the Task Interface$/,
    );
  });

  it('never calls an excluded port, and says it was excluded', async () => {
    seen.length = 0;
    const site = await discoverSite(targetOf(emulator.taskUrl), rangeSource(parsePortList('1-30')), {
      excluded: [4, 12, 13],
    });
    assert.ok(!seen.some((c) => [4, 12, 13].includes(c.port)), JSON.stringify(seen));
    assert.equal(seen.filter((c) => c.method === 'getportstatus').length, 27);
    assert.deepEqual(
      site.ports.map((p) => p.port_id),
      [1, 7, 14],
    );
    assert.ok(!site.absent.includes(13), 'an excluded port is not absent: it was never asked');
    assert.deepEqual(site.excluded, [4, 12, 13]);
    assert.match(describeSite(site, false), /, 3 excluded by the profile, never called,/);
  });

  it('reads only the ports a profile lists, or several ranges', async () => {
    seen.length = 0;
    const listed = await discoverSite(
      targetOf(emulator.taskUrl),
      { kind: 'profile', ports: [4, 12, 1999] },
      { excluded: [] },
    );
    assert.deepEqual(
      seen
        .filter((c) => c.method === 'getportstatus')
        .map((c) => c.port)
        .sort((a, b) => a - b),
      [4, 12, 1999],
    );
    assert.deepEqual(
      listed.ports.map((p) => p.port_id),
      [4, 12],
    );
    assert.deepEqual(listed.absent, [1999]);
    assert.equal(describeSiteSource(listed.source), 'the 3 ports the profile lists');

    const ranges = await discoverSite(
      targetOf(emulator.taskUrl),
      rangeSource(parsePortList('1-30,1990-2000')),
      { excluded: [] },
    );
    assert.deepEqual(
      ranges.ports.map((p) => p.port_id),
      [1, 4, 7, 12, 14, 1990, 2000],
    );
    assert.equal(ranges.absent.length + ranges.ports.length, 41);
    assert.equal(describeSiteSource(ranges.source), 'ports 1-30, 1990-2000');
  });
});

describe('discovery of a target it cannot read', () => {
  after(closeClient);

  it('gives up on a target that answers getportstatus with garbage after a few calls, with one reason', async () => {
    const target = await fakeTarget((res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><hello>what is getportstatus?</hello>');
    });
    try {
      const started = Date.now();
      const site = await discoverSite(targetOf(target.url), rangeSource(parsePortList('1-2000')), {
        excluded: [],
      });
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      // Those in flight when the third problem came back finish; no new one is sent.
      assert.ok(target.calls() <= MAX_READ_PROBLEMS + DISCOVERY_CONCURRENCY, `${target.calls()} calls`);
      assert.match(
        site.unreadable ?? '',
        /^the read methods answer in a shape the harness does not understand \(getportstatus of port \d+ answers .+\); stopped after \d+ such answers, \d+ of 2000 ports read$/,
      );
      assert.deepEqual(site.ports, []);
      assert.deepEqual(site.absent, []);
      assert.match(
        describeSite(site, false),
        /^discovery: the read methods answer in a shape .*; the run goes on with what needs no site$/,
      );
    } finally {
      await target.close();
    }
  });

  it('gives up on a target that answers an application fault it should not (not 1000) to every read', async () => {
    const target = await fakeTarget((res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><response><fault><code>1087</code></fault></response>');
    });
    try {
      const site = await discoverSite(targetOf(target.url), rangeSource(parsePortList('1-2000')), {
        excluded: [],
      });
      assert.match(site.unreadable ?? '', /getportstatus of port \d+ answers fault 1087/);
      assert.ok(target.calls() <= MAX_READ_PROBLEMS + DISCOVERY_CONCURRENCY);
    } finally {
      await target.close();
    }
  });

  it('gives up on a target that does not answer, after one call deadline, not 2000', async () => {
    const target = await fakeTarget(() => {
      // never answers: the call deadline ends each exchange
    });
    try {
      const started = Date.now();
      const site = await discoverSite(targetOf(target.url, 300), rangeSource(parsePortList('1-2000')), {
        excluded: [],
      });
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      assert.ok(target.calls() <= MAX_READ_PROBLEMS + DISCOVERY_CONCURRENCY, `${target.calls()} calls`);
      assert.match(site.unreadable ?? '', /^the read methods do not answer \(getportstatus of port \d+: /);
    } finally {
      await target.close();
    }
  });

  it('leaves out ports of a type or mode it does not know, however many, and reads the rest', async () => {
    // Ports 1-8 exist: 4 is an AutoCase port; the others answer a type (XY) or a mode (MAINTENANCE) the
    // harness's lists lack. The vendor documents no closed list: they are left out, the site is still read.
    const status = (port: number, type: string, mode: string) =>
      `<?xml version="1.0"?><response><params><port_id>${port}</port_id><port_mode>${mode}</port_mode><port_type>${type}</port_type></params></response>`;
    const unknown = await xmlTaskServer((port, method) => {
      if (port > 8) return '<?xml version="1.0"?><response><fault><code>1000</code></fault></response>';
      if (port !== 4) return port % 2 === 0 ? status(port, 'XY', 'OPEN') : status(port, 'CO', 'MAINTENANCE');
      if (method === 'getportstatus') return status(port, 'AC', 'OPEN');
      return '<?xml version="1.0"?><response><params><port_id>4</port_id><case_state>NOOP</case_state></params></response>';
    });
    try {
      const site = await discoverSite(targetOf(unknown.url), rangeSource(parsePortList('1-10')), {
        excluded: [],
      });
      assert.equal(site.unreadable, undefined);
      assert.ok(7 > MAX_READ_PROBLEMS, 'more ports left out than the problems that stop a scan');
      assert.deepEqual(site.ports, [
        { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'NOOP' },
      ]);
      assert.deepEqual(site.absent, [9, 10]);
      assert.deepEqual(
        site.unread?.map((u) => u.port_id),
        [1, 2, 3, 5, 6, 7, 8],
      );
      assert.match(
        site.unread?.[1]?.reason ?? '',
        /port_type XY, port_mode OPEN: a type the harness does not know/,
      );
      assert.match(
        site.unread?.[0]?.reason ?? '',
        /port_type CO, port_mode MAINTENANCE: a mode the harness does not know/,
      );
    } finally {
      await unknown.close();
    }
  });

  it('keeps a site with one odd port, and names the port it could not read', async () => {
    // Port 3 answers garbage, port 4 is an AutoCase port, the rest do not exist.
    const odd = await xmlTaskServer((port, method) => {
      if (port === 3) return '<?xml version="1.0"?><nonsense/>';
      if (port !== 4) return '<?xml version="1.0"?><response><fault><code>1000</code></fault></response>';
      if (method === 'getportstatus')
        return '<?xml version="1.0"?><response><params><port_id>4</port_id><port_mode>CLOSED</port_mode><port_type>AC</port_type></params></response>';
      return '<?xml version="1.0"?><response><params><port_id>4</port_id><case_state>NOOP</case_state></params></response>';
    });
    try {
      const site = await discoverSite(targetOf(odd.url), rangeSource(parsePortList('1-10')), {
        excluded: [],
      });
      assert.equal(site.unreadable, undefined);
      assert.deepEqual(site.ports, [
        { port_id: 4, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' },
      ]);
      assert.deepEqual(site.absent, [1, 2, 5, 6, 7, 8, 9, 10]);
      assert.equal(site.unread?.length, 1);
      assert.equal(site.unread?.[0]?.port_id, 3);
      assert.match(
        describeSite(site, false),
        /, 1 unreadable \(getportstatus of port 3 answers .*\), not used,/,
      );
    } finally {
      await odd.close();
    }
  });
});

describe('which ports: --ports and the profile', () => {
  for (const [text, ranges] of [
    ['1-2000', [{ from: 1, to: 2000 }]],
    ['17', [{ from: 17, to: 17 }]],
    [
      '1-30,1990-2000',
      [
        { from: 1, to: 30 },
        { from: 1990, to: 2000 },
      ],
    ],
    [
      ' 1990-2000 , 5 ,1-10',
      [
        { from: 1, to: 10 },
        { from: 1990, to: 2000 },
      ],
    ],
    ['1-5,6-9', [{ from: 1, to: 9 }]],
  ] as const) {
    it(`reads ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parsePortList(text), ranges);
      assert.deepEqual(parseOptions([`--ports=${text}`]).ports, ranges);
    });
  }

  it('formats a list the way it is read', () => {
    assert.equal(formatPortList(parsePortList('1990-2000,1-30,7')), '1-30, 1990-2000');
    assert.equal(formatPortList(parsePortList('4')), '4');
  });

  for (const [text, message] of [
    ['0-10', /^--ports=0-10: port 0 is outside 1-2000$/],
    ['1-2001', /^--ports=1-2001: port 2001 is outside 1-2000$/],
    ['30-1', /^--ports=30-1: 30-1: the range runs backwards \(write 1-30\)$/],
    ['abc', /^--ports=abc: "abc" is not a port list: expected port ids 1 to 2000 as A-B/],
    ['1-', /is not a port list/],
    ['-5', /is not a port list/],
    ['1,,2', /has an empty item/],
    ['1.5', /is not a port list/],
  ] as const) {
    it(`refuses --ports=${text} with one line`, () => {
      assert.throws(
        () => parseOptions([`--ports=${text}`]),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    });
  }

  it('leaves --ports undefined by default, and refuses it empty', () => {
    assert.equal(parseOptions([]).ports, undefined);
    assert.throws(() => parseOptions(['--ports=']), UsageError);
    assert.throws(() => parsePortList(''), PortListError);
  });

  const base = {
    identity: { vendor: 'V', product: 'P', software_release: '1' },
    task_url: 'http://127.0.0.1:44000/api/v2/task',
    capabilities: { json: true, rig: false, task_interface_arrangement: false, operator: false },
    fixtures: {
      absent_port: 1999,
      autocase_ports: [4],
      other_ports: [{ port_id: 12, type: 'CO' }],
      bins: 'any',
    },
  };

  it('takes discovery.ports and discovery.exclude_ports in a profile', async () => {
    const loaded = await checkProfile('p.json', {
      ...base,
      discovery: { ports: '1-30,1990-2000', exclude_ports: [1500, 20] },
    });
    assert.deepEqual(loaded.profile.discovery, { ports: '1-30,1990-2000', exclude_ports: [1500, 20] });
  });

  for (const [discovery, message] of [
    [{ ports: '1-3000' }, 'discovery.ports: port 3000 is outside 1-2000'],
    [{ ports: 'all' }, 'discovery.ports: "all" is not a port list'],
    [{ exclude_ports: [4] }, 'discovery.exclude_ports[0]: port 4 is a fixture (fixtures.autocase_ports[0])'],
    [{ exclude_ports: [0] }, 'discovery.exclude_ports[0]: must be >= 1'],
    [{ ports: 7 }, 'discovery.ports: must be string'],
    [{ range: '1-10' }, 'discovery.range: unknown key'],
  ] as const) {
    it(`refuses the profile key ${JSON.stringify(discovery)}, naming it`, async () => {
      await assert.rejects(
        checkProfile('p.json', { ...base, discovery }),
        (error: unknown) => error instanceof ProfileError && error.message.includes(message),
      );
    });
  }
});
