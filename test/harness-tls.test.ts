// The harness over TLS, in-process: what it trusts (--ca, the profile's tls.ca, --insecure), the pre-flight's one
// line for each certificate problem and for the wrong scheme, within 5 s, and the Log Publisher over TLS. Every
// certificate is made here at run time (helpers/test-pki.ts); every server listens on 127.0.0.1.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { LogListener, LogPublisherUnreachable } from '../support/log-publisher/listener.ts';
import { parseLogPublisherUrl, tlsDial } from '../support/log-publisher/tls-dial.ts';
import { checkCertifyOptions, parseOptions, UsageError } from '../support/options.ts';
import { type LoadedProfile, ProfileError } from '../support/profile/profile.ts';
import { RunError } from '../support/runner/run-error.ts';
import { settleTls } from '../support/runner/tls.ts';
import { closeClient, httpExchange } from '../support/wire/exchange.ts';
import { preflight } from '../support/wire/preflight.ts';
import {
  INSECURE_WARNING,
  readAuthorities,
  setTlsTrust,
  TLS_VARIABLE,
  TlsTrustError,
  transportNote,
} from '../support/wire/tls.ts';
import { type Issued, loopbackCertificate, TestAuthority } from './helpers/test-pki.ts';

const DAY_MS = 86_400_000;
const authority = new TestAuthority('site authority');
const stranger = new TestAuthority('somebody else');
let dir: string;
let caFile: string;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'harness-tls-'));
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, authority.cert);
});

after(async () => {
  setTlsTrust({}, {});
  await closeClient();
  rmSync(dir, { recursive: true, force: true });
});

async function serving<T>(
  certificate: Issued | undefined,
  use: (emulator: RunningEmulator) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator({
    port: 0,
    rigToken: 'token',
    ...(certificate ? { tls: certificate } : {}),
  });
  try {
    return await use(emulator);
  } finally {
    await emulator.close();
  }
}

/** The pre-flight's cause for `url`, and how long it took. */
async function timedPreflight(url: string): Promise<{ cause: string | undefined; ms: number }> {
  const started = performance.now();
  const cause = await preflight(url);
  return { cause, ms: performance.now() - started };
}

const hostPort = (url: string) => new URL(url).host;

describe('the pre-flight over TLS: one line for each problem, within 5 s', () => {
  before(() => {
    setTlsTrust({ caFile, caSource: '--ca' }, {});
  });

  test('a certificate of the authority given with --ca: it answers', async () => {
    await serving(loopbackCertificate(authority), async (emulator) => {
      assert.equal((await timedPreflight(emulator.taskUrl)).cause, undefined);
    });
  });

  test('an unknown authority: named, with the --ca hint', async () => {
    await serving(loopbackCertificate(stranger), async (emulator) => {
      const { cause, ms } = await timedPreflight(emulator.taskUrl);
      assert.equal(
        cause,
        `the certificate of ${hostPort(emulator.taskUrl)} (127.0.0.1) is signed by "somebody else", an authority the harness does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): give that authority with --ca FILE (or tls.ca in the profile)`,
      );
      assert.ok(ms < 5_000, `${ms} ms`);
    });
  });

  test('a self-signed certificate: said so, with the --ca hint', async () => {
    const self = new TestAuthority('127.0.0.1');
    await serving({ ...self }, async (emulator) => {
      const { cause } = await timedPreflight(emulator.taskUrl);
      assert.match(
        cause ?? '',
        /\(127\.0\.0\.1\) is self-signed, an authority the harness does not trust \(.+\): give that authority with --ca FILE/,
      );
    });
  });

  test('the wrong host name: the names the certificate holds', async () => {
    await serving(
      authority.issue({ commonName: 'controller.example', altNames: ['controller.example'] }),
      async (emulator) => {
        const { cause, ms } = await timedPreflight(emulator.taskUrl);
        assert.equal(
          cause,
          `the certificate of ${hostPort(emulator.taskUrl)} (controller.example) is not for 127.0.0.1: it names DNS:controller.example (wrong host name; aim at a name it holds)`,
        );
        assert.ok(ms < 5_000, `${ms} ms`);
      },
    );
  });

  test('expired: the day it expired', async () => {
    const notAfter = new Date(Math.floor((Date.now() - DAY_MS) / 1000) * 1000);
    const certificate = loopbackCertificate(authority, {
      notBefore: new Date(Date.now() - 10 * DAY_MS),
      notAfter,
    });
    await serving(certificate, async (emulator) => {
      const { cause, ms } = await timedPreflight(emulator.taskUrl);
      assert.match(
        cause ?? '',
        new RegExp(
          `^the certificate of ${hostPort(emulator.taskUrl)} \\(127\\.0\\.0\\.1\\) expired on ${notAfter.toISOString().replace('.000Z', 'Z')} \\(now `,
        ),
      );
      assert.ok(ms < 5_000, `${ms} ms`);
    });
  });

  test('not yet valid: the day it starts, and a word about the clock', async () => {
    const notBefore = new Date(Math.floor((Date.now() + 10 * DAY_MS) / 1000) * 1000);
    const certificate = loopbackCertificate(authority, {
      notBefore,
      notAfter: new Date(Date.now() + 20 * DAY_MS),
    });
    await serving(certificate, async (emulator) => {
      const { cause, ms } = await timedPreflight(emulator.taskUrl);
      assert.match(
        cause ?? '',
        new RegExp(
          `^the certificate of ${hostPort(emulator.taskUrl)} \\(127\\.0\\.0\\.1\\) is not valid before ${notBefore.toISOString().replace('.000Z', 'Z')} \\(now .+: is this machine's clock right\\?\\)$`,
        ),
      );
      assert.ok(ms < 5_000, `${ms} ms`);
    });
  });

  test('a plain HTTP server on an https:// URL: use http://', async () => {
    await serving(undefined, async (emulator) => {
      const https = emulator.taskUrl.replace('http:', 'https:');
      const { cause, ms } = await timedPreflight(https);
      assert.equal(cause, `${hostPort(https)} answers plain HTTP, not HTTPS: use ${emulator.taskUrl}`);
      assert.ok(ms < 5_000, `${ms} ms`);
    });
  });

  test('an HTTPS server on an http:// URL: use https://', async () => {
    await serving(loopbackCertificate(authority), async (emulator) => {
      const http = emulator.taskUrl.replace('https:', 'http:');
      const { cause, ms } = await timedPreflight(http);
      assert.equal(
        cause,
        `${hostPort(http)} speaks TLS, not plain HTTP: use ${emulator.taskUrl} (with --ca FILE if its authority is your own)`,
      );
      assert.ok(ms < 5_000, `${ms} ms`);
    });
  });

  test('an exchange that meets a certificate problem fails as tls, with the hint, never an exception', async () => {
    await serving(loopbackCertificate(stranger), async (emulator) => {
      const { exchange } = await httpExchange({
        label: 'call',
        method: 'POST',
        url: emulator.taskUrl,
        headers: {},
        body: Buffer.from('x'),
        evidenceBody: 'x',
        timeoutMs: 3_000,
        maxResponseBytes: 1024,
      });
      assert.equal(exchange.failure, 'tls');
      assert.match(exchange.error ?? '', /not signed by an authority the harness trusts .*--ca FILE/);
    });
  });
});

describe('--insecure', () => {
  test('verifies nothing: an unknown authority, even an expired certificate, answers', async () => {
    setTlsTrust({ insecure: true }, {});
    try {
      const expired = loopbackCertificate(stranger, {
        notBefore: new Date(Date.now() - 10 * DAY_MS),
        notAfter: new Date(Date.now() - DAY_MS),
      });
      await serving(expired, async (emulator) => {
        assert.equal(await preflight(emulator.taskUrl), undefined);
      });
    } finally {
      setTlsTrust({}, {});
    }
  });

  test('the reports say so; --certify and --ca refuse it', () => {
    assert.deepEqual(transportNote(['https://x/api/v2/task'], setTlsTrust({ insecure: true }, {})), {
      tls: 'NOT VERIFIED (--insecure)',
    });
    assert.deepEqual(transportNote(['http://x/api/v2/task'], setTlsTrust({ insecure: true }, {})), {
      tls: 'NOT VERIFIED (--insecure)',
    });
    assert.deepEqual(transportNote(['http://x/api/v2/task', undefined], setTlsTrust({}, {})), {
      tls: 'none',
    });
    assert.deepEqual(transportNote(['https://x/api/v2/task'], setTlsTrust({}, {})), { tls: 'verified' });
    const note = transportNote(['https://x/api/v2/task'], setTlsTrust({ caFile, caSource: '--ca' }, {}));
    assert.equal(note.tls, 'verified');
    assert.match(note.ca ?? '', new RegExp(`^${caFile.replaceAll('.', '\\.')} \\(sha256 [0-9a-f]{64}\\)$`));
    setTlsTrust({}, {});
    assert.throws(
      () => checkCertifyOptions(parseOptions(['--certify', '--insecure', '--target-profile=p.json']), true),
      (error: unknown) =>
        error instanceof UsageError && /^--certify refuses --insecure: /.test(error.message),
    );
    assert.throws(
      () => parseOptions(['--ca=ca.pem', '--insecure']),
      /^Error: --ca and --insecure contradict each other/,
    );
  });
});

describe('what --ca and tls.ca name', () => {
  test('a file of no certificate, or none at all: one line naming it', () => {
    const empty = path.join(dir, 'empty.pem');
    writeFileSync(empty, 'nothing here\n');
    const broken = path.join(dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const missing = path.join(dir, 'missing.pem');
    assert.throws(() => readAuthorities(missing), new TlsTrustError(`--ca ${missing}: no such file`));
    assert.throws(
      () => readAuthorities(empty),
      new TlsTrustError(`--ca ${empty}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`),
    );
    assert.throws(
      () => readAuthorities(broken),
      /^TlsTrustError: --ca .*broken\.pem: certificate 1 of 1 cannot be read/,
    );
    assert.deepEqual(readAuthorities(caFile).subjects, ['site authority']);
  });

  test("--ca is read from the working directory, tls.ca from the profile's; --ca wins; the variable passes it on", () => {
    const profileDir = mkdtempSync(path.join(dir, 'profile-'));
    writeFileSync(path.join(profileDir, 'site-ca.pem'), stranger.cert);
    const loaded = {
      file: path.join(profileDir, 'controller.json'),
      profile: { tls: { ca: 'site-ca.pem' } },
    } as unknown as LoadedProfile;
    const env = process.env;
    try {
      const fromProfile = settleTls(parseOptions([]), loaded);
      assert.deepEqual(fromProfile.authorities, ['somebody else']);
      assert.equal(fromProfile.trust.caFile, path.join(profileDir, 'site-ca.pem'));
      assert.deepEqual(JSON.parse(env[TLS_VARIABLE] ?? '{}'), fromProfile.trust);
      const fromFlag = settleTls(parseOptions([`--ca=${path.relative(process.cwd(), caFile)}`]), loaded);
      assert.deepEqual(fromFlag.authorities, ['site authority']);
      assert.throws(
        () =>
          settleTls(parseOptions([]), {
            ...loaded,
            profile: { tls: { ca: 'nope.pem' } },
          } as unknown as LoadedProfile),
        (error: unknown) =>
          error instanceof ProfileError &&
          error.message ===
            `profile ${loaded.file}: tls.ca ${path.join(profileDir, 'nope.pem')}: no such file`,
      );
      assert.throws(
        () => settleTls(parseOptions(['--ca=/nonexistent/ca.pem']), undefined),
        (error: unknown) =>
          error instanceof RunError && error.message === '--ca /nonexistent/ca.pem: no such file',
      );
    } finally {
      setTlsTrust({});
      assert.equal(env[TLS_VARIABLE], undefined);
    }
  });

  test('--insecure warns on every run', (t) => {
    const warned: string[] = [];
    t.mock.method(console, 'warn', (line: string) => warned.push(line));
    try {
      settleTls(parseOptions(['--insecure']), undefined);
      assert.deepEqual(warned, [INSECURE_WARNING]);
    } finally {
      setTlsTrust({});
    }
  });
});

describe('the Log Publisher over TLS', () => {
  test('tls://HOST:PORT is read as TLS; HOST:PORT and tcp:// as plain TCP', () => {
    assert.deepEqual(parseLogPublisherUrl('tls://127.0.0.1:5000'), {
      host: '127.0.0.1',
      port: 5000,
      tls: true,
    });
    assert.deepEqual(parseLogPublisherUrl('TLS://[::1]:5000/'), { host: '::1', port: 5000, tls: true });
    assert.deepEqual(parseLogPublisherUrl('tcp://controller'), {
      host: 'controller',
      port: 44001,
      tls: false,
    });
    assert.deepEqual(parseLogPublisherUrl('10.0.0.5:44001'), { host: '10.0.0.5', port: 44001, tls: false });
    assert.equal(parseLogPublisherUrl('https://controller'), undefined);
  });

  test('trusted through --ca: the lines arrive; without it: one line naming the problem and --ca', async () => {
    await serving(loopbackCertificate(authority), async (emulator) => {
      setTlsTrust({ caFile, caSource: '--ca' }, {});
      const listener = await LogListener.connect({
        host: '127.0.0.1',
        port: emulator.logPort,
        dial: tlsDial,
      });
      try {
        const mark = listener.mark();
        const { exchange } = await httpExchange({
          label: 'cancel',
          method: 'POST',
          url: emulator.taskUrl,
          headers: { 'content-type': 'application/xml' },
          body: Buffer.from(
            '<?xml version="1.0" encoding="UTF-8"?><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>',
          ),
          evidenceBody: '',
          timeoutMs: 5_000,
          maxResponseBytes: 65_536,
        });
        assert.equal(exchange.response?.status, 200);
        const found = await listener.waitFor((line) => line.text.startsWith('AC,4,101337,'), {
          after: mark,
          timeoutMs: 5_000,
        });
        assert.equal(found.kind, 'found');
      } finally {
        await listener.close();
      }
      setTlsTrust({}, {});
      await assert.rejects(
        LogListener.connect({ host: '127.0.0.1', port: emulator.logPort, dial: tlsDial }),
        (error: unknown) =>
          error instanceof LogPublisherUnreachable &&
          new RegExp(
            `^the Log Publisher at 127\\.0\\.0\\.1:${emulator.logPort}: the certificate of 127\\.0\\.0\\.1:${emulator.logPort} is not signed by an authority the harness trusts \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\): give that authority with --ca FILE`,
          ).test(error.message),
      );
    });
  });
});
