// The emulator over TLS (--tls-cert, --tls-key): the Task Interface and the rig over HTTPS, the Log Publisher over
// TLS, with a certificate made here at run time; certificates and keys it cannot serve, one line naming the file;
// and the rig that is not left open on a host other machines reach. Everything on 127.0.0.1: the refusal is
// decided before anything listens, and a start past it is aimed at 192.0.2.1 (TEST-NET-1, no local address).

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request } from 'undici';
import { RigExposedError, startEmulator, TlsConfigError } from '../emulator/index.ts';
import { isLoopbackHost } from '../emulator/tls.ts';
import { startEmulatorCli } from './helpers/emulator-cli.ts';
import { loopbackCertificate, TestAuthority } from './helpers/test-pki.ts';

const CANCEL = `<?xml version="1.0" encoding="UTF-8"?>
<methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`;

const authority = new TestAuthority();
const server = loopbackCertificate(authority);
let dir: string;
let files: { ca: string; cert: string; key: string; otherKey: string };

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'emulator-tls-'));
  const other = loopbackCertificate(authority);
  files = {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
    otherKey: path.join(dir, 'other-key.pem'),
  };
  writeFileSync(files.ca, authority.cert);
  writeFileSync(files.cert, server.cert);
  writeFileSync(files.key, server.key);
  writeFileSync(files.otherKey, other.key);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** The Log Publisher's lines as they arrive over TLS, trusting only the test authority. */
function readStream(host: string, port: number): Promise<{ lines: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, ca: authority.cert });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.once('secureConnect', () => resolve({ lines: () => text, close: () => socket.destroy() }));
    socket.once('error', reject);
  });
}

async function waitFor(what: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('not within the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('startEmulator({tls})', () => {
  test('serves the Task Interface and the rig over HTTPS and the Log Publisher over TLS; the URLs say so', async () => {
    const logLines: string[] = [];
    const emulator = await startEmulator({
      port: 0,
      rigToken: 'token',
      tls: { cert: server.cert, key: server.key },
      log: (line) => logLines.push(line),
    });
    const agent = new Agent({ connect: { ca: authority.cert } });
    try {
      assert.match(emulator.taskUrl, /^https:\/\/127\.0\.0\.1:\d+\/api\/v2\/task$/);
      assert.match(emulator.rigUrl ?? '', /^https:\/\/127\.0\.0\.1:\d+\/rig\/v1$/);
      assert.match(emulator.logUrl, /^tls:\/\/127\.0\.0\.1:\d+$/);
      const stream = await readStream('127.0.0.1', emulator.logPort);
      await waitFor(() => emulator.logClients().length === 1);
      const answer = await request(emulator.taskUrl, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: CANCEL,
      });
      assert.equal(answer.statusCode, 200);
      assert.match(await answer.body.text(), /<response>\s*<params\/>/);
      const rig = await request(`${emulator.rigUrl}/ports/4`, {
        dispatcher: agent,
        headers: { authorization: 'Bearer token' },
      });
      assert.equal(rig.statusCode, 200);
      const caseState = ((await rig.body.json()) as { case_state: string }).case_state;
      // What the cancel published reaches the TLS stream as it does GET /events.
      assert.deepEqual(emulator.events(), [`AC,4,101337,${caseState}`]);
      await waitFor(() => stream.lines() === `AC,4,101337,${caseState}\r\n`);
      stream.close();
    } finally {
      await agent.close();
      await emulator.close();
    }
  });

  test('plain HTTP on the HTTPS port gets no answer, and the log says why', async () => {
    const logLines: string[] = [];
    const emulator = await startEmulator({
      port: 0,
      rigToken: 'token',
      tls: { cert: server.cert, key: server.key },
      log: (line) => logLines.push(line),
    });
    try {
      await assert.rejects(
        request(emulator.taskUrl.replace('https:', 'http:'), { method: 'POST', body: CANCEL }),
        /other side closed|ECONNRESET|socket/i,
      );
      await waitFor(() => logLines.some((line) => line.includes('handshake failed')));
      assert.ok(
        logLines.some((line) =>
          /^TLS 127\.0\.0\.1:\d+: handshake failed: it sent plain HTTP to this TLS port \(use https:\/\/\)$/.test(
            line,
          ),
        ),
        logLines.join('\n'),
      );
    } finally {
      await emulator.close();
    }
  });

  test('close() ends a TLS connection still in its handshake, on both listeners', async () => {
    const emulator = await startEmulator({ port: 0, rigToken: 'token', tls: server });
    const { connect } = await import('node:net');
    const open = [new URL(emulator.taskUrl).port, String(emulator.logPort)].map(
      (port) =>
        new Promise<void>((resolve) => {
          // Connected, and never a byte of a handshake.
          const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => resolve());
          socket.on('error', () => {});
        }),
    );
    await Promise.all(open);
    const started = Date.now();
    await emulator.close();
    assert.ok(Date.now() - started < 2_000, `close took ${Date.now() - started} ms`);
  });

  test('a certificate that is not one, a key that is not its key: a one-line TlsConfigError, nothing listens', async () => {
    const other = loopbackCertificate(authority);
    await assert.rejects(
      startEmulator({ port: 0, rigToken: 't', tls: { cert: 'not a certificate', key: server.key } }),
      (error: unknown) =>
        error instanceof TlsConfigError && /^tls\.cert: not a PEM certificate/.test(error.message),
    );
    await assert.rejects(
      startEmulator({ port: 0, rigToken: 't', tls: { cert: server.cert, key: other.key } }),
      (error: unknown) =>
        error instanceof TlsConfigError &&
        error.message === 'tls.key: not the key of the certificate in tls.cert',
    );
  });

  test('a rig without a token on a host that is not loopback: RigExposedError before anything listens', async () => {
    await assert.rejects(
      startEmulator({ host: '192.0.2.1', port: 0 }),
      (error: unknown) => error instanceof RigExposedError && /rigToken/.test(error.message),
    );
    // Past the guard (a token, no rig, or rigOpen), it goes on to listen: 192.0.2.1 is no local address.
    for (const options of [{ rigToken: 't' }, { rig: false }, { rigOpen: true }]) {
      await assert.rejects(
        startEmulator({ host: '192.0.2.1', port: 0, ...options }),
        (error: unknown) => (error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL',
      );
    }
  });
});

test('isLoopbackHost: 127.0.0.0/8, ::1 and localhost only', () => {
  for (const host of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', 'LOCALHOST'])
    assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'controller', 'localhost.example', '::2'])
    assert.equal(isLoopbackHost(host), false, host);
});

// --- the command line -----------------------------------------------------------------------------------------

interface Run {
  readonly child: ChildProcess;
  readonly out: () => { stdout: string; stderr: string };
  readonly exit: Promise<number | null>;
}

function emulatorCli(args: readonly string[]): Run {
  const run = startEmulatorCli(['--port', '0', ...args]);
  return { child: run.child, out: () => ({ stdout: run.stdout(), stderr: run.stderr() }), exit: run.exit };
}

async function exits2(args: readonly string[]): Promise<string[]> {
  const run = emulatorCli(args);
  assert.equal(await run.exit, 2, run.out().stderr);
  return run.out().stderr.trimEnd().split('\n');
}

describe('emulator/cli.ts over TLS', { concurrency: 4 }, () => {
  test('--tls-cert and --tls-key: the URLs say https:// and tls://, and it answers over HTTPS', async () => {
    const run = emulatorCli(['--rig-token', 'T', '--tls-cert', files.cert, '--tls-key', files.key]);
    try {
      await waitFor(() => /^Log Publisher: /m.test(run.out().stdout) || run.child.exitCode !== null, 20_000);
      const { stdout } = run.out();
      const taskUrl = /^Task Interface: (https:\/\/127\.0\.0\.1:\d+\/api\/v2\/task)$/m.exec(stdout)?.[1];
      assert.ok(taskUrl, stdout);
      assert.match(
        stdout,
        /^Rig control: {4}https:\/\/127\.0\.0\.1:\d+\/rig\/v1 \(bearer token required\)$/m,
      );
      assert.match(stdout, /^Log Publisher: {2}tls:\/\/127\.0\.0\.1:\d+$/m);
      const agent = new Agent({ connect: { ca: authority.cert } });
      try {
        const answer = await request(taskUrl, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/xml' },
          body: CANCEL,
        });
        assert.equal(answer.statusCode, 200);
        await answer.body.text();
      } finally {
        await agent.close();
      }
    } finally {
      run.child.kill('SIGTERM');
      assert.equal(await run.exit, 0);
    }
  });

  test('certificates it cannot serve: exit 2, one line naming the file', async () => {
    const missing = path.join(dir, 'missing.pem');
    assert.deepEqual(await exits2(['--tls-cert', files.cert]), ['emulator: --tls-cert needs --tls-key too']);
    assert.deepEqual(await exits2(['--tls-cert', missing, '--tls-key', files.key]), [
      `emulator: --tls-cert ${missing}: no such file`,
    ]);
    assert.deepEqual(await exits2(['--tls-cert', files.cert, '--tls-key', files.otherKey]), [
      `emulator: --tls-key ${files.otherKey}: not the key of the certificate in --tls-cert ${files.cert}`,
    ]);
    assert.deepEqual(await exits2(['--tls-cert', files.key, '--tls-key', files.key]), [
      `emulator: --tls-cert ${files.key}: not a PEM certificate (no -----BEGIN CERTIFICATE----- line)`,
    ]);
    assert.deepEqual(await exits2(['--tls-cert', files.cert, '--tls-key', files.cert]), [
      `emulator: --tls-key ${files.cert}: not a PEM private key`,
    ]);
    assert.deepEqual(await exits2(['--tls-cert', files.cert, '--tls-key', dir]), [
      `emulator: --tls-key ${dir}: a directory, not a file`,
    ]);
  });

  test('the rig on a host that is not loopback, without a token: exit 2, one line naming --rig-token and --no-rig', async () => {
    const [line, ...more] = await exits2(['--host', '0.0.0.0']);
    assert.deepEqual(more, []);
    assert.equal(
      line,
      'emulator: the rig would let anyone who reaches 0.0.0.0 rewrite every port: give --rig-token T (or EMULATOR_RIG_TOKEN), or --no-rig; --rig-open if that is meant',
    );
    assert.deepEqual(await exits2(['--no-rig', '--rig-open']), [
      'emulator: --no-rig and --rig-open contradict each other',
    ]);
  });

  test('--rig-token, --no-rig or --rig-open (with its warning) get past the guard', async () => {
    // 192.0.2.1 is no local address: past the guard the start fails at listen, and nothing is exposed meanwhile.
    const notLocal = 'emulator: cannot listen on 192.0.2.1: no such local address';
    assert.deepEqual(await exits2(['--host', '192.0.2.1', '--rig-token', 'T']), [notLocal]);
    assert.deepEqual(await exits2(['--host', '192.0.2.1', '--no-rig']), [notLocal]);
    assert.deepEqual(await exits2(['--host', '192.0.2.1', '--rig-open']), [
      'emulator: warning: --rig-open: the rig has no token on 192.0.2.1; anyone who reaches it can rewrite every port',
      notLocal,
    ]);
  });
});
