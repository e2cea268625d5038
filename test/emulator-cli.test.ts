// The command line: URLs when ready, a line per call, exit 2 on a bad flag, site or taken port, clean signals.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startEmulatorCli } from './helpers/emulator-cli.ts';
import { outcome, post, send, XML, xmlCall } from './helpers/emulator-http.ts';

const SAMPLE_XML = xmlCall('case_cancel', [
  ['port_id', '4'],
  ['bin_id', '101337'],
]);

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

function run(args: readonly string[], env: Record<string, string> = {}): Run {
  return startEmulatorCli(args, env);
}

/** Waits for the ready lines and returns the URLs printed. */
async function ready(started: Run): Promise<{ taskUrl: string; rigLine: string }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const task = /^Task Interface: (\S+)$/m.exec(started.stdout());
    const rigLine = /^Rig control: +(.*)$/m.exec(started.stdout());
    if (task?.[1] !== undefined && rigLine?.[1] !== undefined)
      return { taskUrl: task[1], rigLine: rigLine[1] };
    if (started.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`not ready: ${started.stdout()} ${started.stderr()}`);
}

async function failsWith2(
  args: readonly string[],
  pattern: RegExp,
  env: Record<string, string> = {},
): Promise<string> {
  const started = run(args, env);
  assert.equal(await started.exit, 2);
  const lines = started.stderr().trimEnd().split('\n');
  assert.equal(lines.length, 1, started.stderr());
  assert.match(lines[0] ?? '', pattern);
  return lines[0] ?? '';
}

describe('emulator/cli.ts', { concurrency: 3 }, () => {
  test('starts, prints both URLs, logs each call, exits 0 on SIGTERM', async () => {
    const started = run(['--port', '0', '--host=127.0.0.1']);
    const { taskUrl, rigLine } = await ready(started);
    assert.match(taskUrl, /^http:\/\/127\.0\.0\.1:[0-9]+\/api\/v2\/task$/);
    assert.equal(rigLine, taskUrl.replace('/api/v2/task', '/rig/v1'));
    assert.equal(outcome(await post(taskUrl, SAMPLE_XML, XML)), 'success');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(started.stdout(), /^case_cancel port_id=4 bin_id=101337 XML -> success \([0-9.]+ ms\)$/m);
    started.child.kill('SIGTERM');
    assert.equal(await started.exit, 0);
  });

  test('SIGINT exits 0 too; --quiet prints no call lines; --no-rig turns the rig off (404)', async () => {
    const started = run(['--port=0', '--quiet', '--no-rig']);
    const { taskUrl, rigLine } = await ready(started);
    assert.equal(rigLine, 'off');
    assert.equal(
      (await send(taskUrl.replace('/api/v2/task', '/rig/v1/ports/4'), { method: 'GET' })).status,
      404,
    );
    await post(taskUrl, SAMPLE_XML, XML);
    started.child.kill('SIGINT');
    assert.equal(await started.exit, 0);
    assert.doesNotMatch(started.stdout(), /case_cancel/);
  });

  test('EMULATOR_RIG_TOKEN guards the rig; the token is never printed', async () => {
    const started = run(['--port', '0'], { EMULATOR_RIG_TOKEN: 'tok-123' });
    const { taskUrl, rigLine } = await ready(started);
    assert.match(rigLine, /bearer token required/);
    const rigPort = taskUrl.replace('/api/v2/task', '/rig/v1/ports/4');
    assert.equal((await send(rigPort, { method: 'GET' })).status, 401);
    assert.equal(
      (await send(rigPort, { method: 'GET', headers: { authorization: 'Bearer tok-123' } })).status,
      200,
    );
    started.child.kill('SIGTERM');
    assert.equal(await started.exit, 0);
    assert.doesNotMatch(started.stdout() + started.stderr(), /tok-123/);
  });

  test('--help prints the usage and the deviations, exit 0', async () => {
    const started = run(['--help']);
    assert.equal(await started.exit, 0);
    assert.match(started.stdout(), /--rig-token/);
    assert.match(started.stdout(), /code-1000-wrong/);
  });

  test('a port already taken: exit 2, one line', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await failsWith2(
        ['--port', String(port)],
        /^emulator: cannot listen on 127\.0\.0\.1:[0-9]+: the port is already in use$/,
      );
    } finally {
      blocker.close();
    }
  });

  test('an unknown flag: exit 2, one line', async () => {
    await failsWith2(['--bogus'], /^emulator: .*--bogus.*\(see --help\)$/);
  });

  test('an unknown deviation: exit 2 with the list of names', async () => {
    await failsWith2(['--deviate', 'nope'], /^emulator: unknown deviation 'nope'; known: code-1000-wrong, /);
  });

  test('a bad site file: exit 2, one line naming the file and the field', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
    const path = join(directory, 'bad-site.json');
    writeFileSync(
      path,
      JSON.stringify({
        ports: [
          { port_id: 1, type: 'AC', mode: 'OPEN' },
          { port_id: 2, type: 'AC', mode: 'OPEN' },
          { port_id: 3, type: 'AC', mode: 'OPN' },
        ],
      }),
    );
    const line = await failsWith2(
      ['--site', path, '--port', '0'],
      /^emulator: site file .*bad-site\.json: ports\[2\]\.mode: /,
    );
    assert.match(line, /"OPN" is not one of/);
  });
});
