// The command line's Log Publisher: the URL printed when ready, the vendor sample seen on the stream as nc would
// see it, --log-port and --hardware-ms read and refused like every other flag (exit 2, one line).

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startEmulatorCli } from './helpers/emulator-cli.ts';
import { outcome, post, XML } from './helpers/emulator-http.ts';
import { openRawStream } from './helpers/raw-stream.ts';

const VENDOR_SAMPLE =
  '<?xml version="1.0"?>\n<methodcall>\n  <name>case_cancel</name>\n  <params>\n    <port_id>4</port_id>\n    <bin_id>101337</bin_id>\n  </params>\n</methodcall>';

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

function run(args: readonly string[]): Run {
  return startEmulatorCli(args);
}

async function ready(started: Run): Promise<{ taskUrl: string; logUrl: string }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const task = /^Task Interface: (\S+)$/m.exec(started.stdout());
    const log = /^Log Publisher: +(\S+)$/m.exec(started.stdout());
    if (task?.[1] !== undefined && log?.[1] !== undefined) return { taskUrl: task[1], logUrl: log[1] };
    if (started.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`not ready: ${started.stdout()} ${started.stderr()}`);
}

async function failsWith2(args: readonly string[], pattern: RegExp): Promise<void> {
  const started = run(args);
  assert.equal(await started.exit, 2);
  const lines = started.stderr().trimEnd().split('\n');
  assert.equal(lines.length, 1, started.stderr());
  assert.match(lines[0] ?? '', pattern);
}

describe('emulator/cli.ts and the Log Publisher', { concurrency: 3 }, () => {
  test('prints the Log Publisher URL; the vendor sample shows AC,4,101337,NOOP CRLF on it; client lines logged', async () => {
    const started = run(['--port', '0']);
    try {
      const { taskUrl, logUrl } = await ready(started);
      const match = /^tcp:\/\/127\.0\.0\.1:([0-9]+)$/.exec(logUrl);
      assert.ok(match?.[1] !== undefined, logUrl);
      assert.notEqual(match[1], '44001', 'an ephemeral Task Interface gets an ephemeral Log Publisher');
      const stream = await openRawStream(Number(match[1]));
      const deadline = Date.now() + 10_000;
      while (!/Log Publisher: .* connected/.test(started.stdout()) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(outcome(await post(taskUrl, VENDOR_SAMPLE, XML)), 'success');
      assert.equal(await stream.until((text) => text.endsWith('\r\n')), 'AC,4,101337,NOOP\r\n');
      started.child.kill('SIGTERM');
      assert.equal(await started.exit, 0);
      await stream.closed;
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  test('--log-port 0 and --hardware-ms: printed when ready', async () => {
    const started = run(['--port=0', '--log-port=0', '--hardware-ms', '250', '--quiet']);
    try {
      await ready(started);
      assert.match(started.stdout(), /^AutoCase: +moves by itself, one state every 250 ms$/m);
      started.child.kill('SIGINT');
      assert.equal(await started.exit, 0);
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  test('a signal as soon as the first line is printed still stops it cleanly: exit 0', async () => {
    // The signals are taken before anything is printed; a caller that stops the emulator the moment it reads
    // output must never see it killed by the signal (exit null), which happened on a loaded CI runner.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const started = run(['--port=0', '--log-port=0', '--quiet']);
      try {
        started.child.stdout?.once('data', () => started.child.kill(signal));
        assert.equal(await started.exit, 0, `${signal}: ${started.stdout()} ${started.stderr()}`);
        assert.match(started.stdout(), new RegExp(`^emulator: ${signal}, stopping$`, 'm'));
      } finally {
        started.child.kill('SIGKILL');
      }
    }
  });

  test('a bad --log-port or --hardware-ms: exit 2, one line', async () => {
    await failsWith2(
      ['--log-port', '70000'],
      /^emulator: --log-port must be an integer 0-65535, not '70000'$/,
    );
    await failsWith2(
      ['--hardware-ms', 'fast'],
      /^emulator: --hardware-ms must be an integer 0-3600000, not 'fast'$/,
    );
  });

  test('a Log Publisher port already taken: exit 2, one line naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await failsWith2(
        ['--port', '0', '--log-port', String(port)],
        new RegExp(
          `^emulator: cannot listen on 127\\.0\\.0\\.1:${port} \\(the Log Publisher; --log-port moves it\\): the port is already in use$`,
        ),
      );
    } finally {
      blocker.close();
    }
  });

  test('a site file with a bad hardware_ms: exit 2, one line', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'emulator-log-cli-'));
    const path = join(directory, 'site.json');
    writeFileSync(path, JSON.stringify({ ports: [], hardware_ms: -5 }));
    await failsWith2(
      ['--site', path, '--port', '0'],
      /^emulator: site file .*site\.json: hardware_ms: -5 is outside 0-3600000$/,
    );
  });
});
