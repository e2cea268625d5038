// The whole suite over HTTPS (the Log Publisher over TLS), through the real command, against the emulator serving TLS with a certificate of an
// authority made here at run time: with --ca every scenario PASSED; without it, exit 2 at once naming the
// authority and --ca; --insecure runs, warns and marks every report; a certification with the profile's tls.ca
// records how the target was trusted. And no key or certificate is in the repository.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { ROOT, runHarness } from '../helpers/run-script.ts';
import { loopbackCertificate, TestAuthority } from '../helpers/test-pki.ts';

const RIG_TOKEN = 'https-e2e-rig-token';
const authority = new TestAuthority('site authority');

interface Verdicts {
  readonly transport: { readonly tls: string; readonly ca?: string };
  readonly counts: Record<string, number> & { readonly total: number };
  readonly scenarios: readonly { readonly scenario: string; readonly verdict: string }[];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('the harness over HTTPS, through npm test', () => {
  let dir: string;
  let caFile: string;
  let emulator: RunningEmulator;
  let stranger: RunningEmulator;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'harness-https-'));
    caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, authority.cert);
    emulator = await startEmulator({ port: 0, rigToken: RIG_TOKEN, tls: loopbackCertificate(authority) });
    stranger = await startEmulator({
      port: 0,
      rigToken: RIG_TOKEN,
      tls: loopbackCertificate(new TestAuthority('somebody else')),
    });
  });

  after(async () => {
    await Promise.all([emulator?.close(), stranger?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the whole suite with --ca: every scenario PASSED, and the reports say the certificates were verified', async () => {
    const reports = path.join(dir, 'all');
    const run = await runHarness(
      [
        `--target=${emulator.taskUrl}`,
        `--rig=${emulator.rigUrl}`,
        `--log-publisher=${emulator.logUrl}`,
        '--ca',
        caFile,
        '--fuzz-runs=10',
        `--reports=${reports}`,
      ],
      { env: { HARNESS_RIG_TOKEN: RIG_TOKEN }, timeoutMs: 600_000 },
    );
    assert.equal(run.code, 0, run.output.slice(-4000));
    // The Log Publisher too, over TLS with the same authority.
    assert.match(
      run.stdout,
      new RegExp(`^log publisher: ${emulator.logUrl} \\(--log-publisher\\) answers`, 'm'),
    );
    const verdicts = readJson<Verdicts>(path.join(reports, 'verdicts.json'));
    const notPassed = verdicts.scenarios.filter((s) => s.verdict !== 'PASSED');
    assert.deepEqual(notPassed, []);
    assert.ok(verdicts.counts.total > 200, `${verdicts.counts.total} scenarios`);
    assert.equal(verdicts.counts.PASSED, verdicts.counts.total);
    assert.equal(verdicts.transport.tls, 'verified');
    assert.match(verdicts.transport.ca ?? '', /ca\.pem \(sha256 [0-9a-f]{64}\)$/);
    assert.match(
      readFileSync(path.join(reports, 'junit.xml'), 'utf8'),
      /<property name="tls" value="verified"\/>/,
    );
    assert.match(
      readFileSync(path.join(reports, 'allure-results', 'environment.properties'), 'utf8'),
      /^TLS=verified$/m,
    );
  });

  test('without --ca: exit 2 at once, one line naming the authority and --ca', async () => {
    // A call timeout of a minute: a run that waited for any timeout would take it, whatever the machine's load.
    const run = await runHarness(
      [`--target=${emulator.taskUrl}`, `--rig=${emulator.rigUrl}`, '--timeout=60000'],
      {
        env: { HARNESS_RIG_TOKEN: RIG_TOKEN, HARNESS_REPORTS: 'messages' },
        timeoutMs: 90_000,
      },
    );
    assert.equal(run.code, 2, run.output);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0] ?? '', /signed by "site authority", an authority the harness does not trust/);
    assert.match(lines[0] ?? '', /--ca FILE/);
    assert.ok(run.ms < 20_000, `${run.ms} ms: it waited for a timeout`);
  });

  test('--insecure: an authority nobody gave is not checked; a warning, and every report marked', async () => {
    const reports = path.join(dir, 'insecure');
    const run = await runHarness(
      [
        `--target=${stranger.taskUrl}`,
        `--rig=${stranger.rigUrl}`,
        '--insecure',
        '--tags',
        '@error:1087 and @xml',
        `--reports=${reports}`,
      ],
      { env: { HARNESS_RIG_TOKEN: RIG_TOKEN }, timeoutMs: 120_000 },
    );
    assert.equal(run.code, 0, run.output.slice(-4000));
    assert.match(run.stderr, /^harness: warning: --insecure: certificates are not verified; /m);
    const verdicts = readJson<Verdicts>(path.join(reports, 'verdicts.json'));
    assert.ok((verdicts.counts.PASSED ?? 0) > 0);
    assert.deepEqual(verdicts.transport, { tls: 'NOT VERIFIED (--insecure)' });
    assert.match(
      readFileSync(path.join(reports, 'junit.xml'), 'utf8'),
      /<property name="tls" value="NOT VERIFIED \(--insecure\)"\/>/,
    );
    assert.match(
      readFileSync(path.join(reports, 'allure-results', 'environment.properties'), 'utf8'),
      /^TLS=NOT VERIFIED \(--insecure\)$/m,
    );
  });

  test("--certify with the profile's tls.ca: the bundle records how the target was trusted", async () => {
    writeFileSync(path.join(dir, 'site-ca.pem'), authority.cert);
    const profile = path.join(dir, 'controller.json');
    writeFileSync(
      profile,
      JSON.stringify({
        identity: { vendor: 'https e2e', product: 'reference emulator over TLS', software_release: '0' },
        task_url: emulator.taskUrl,
        rig: { url: emulator.rigUrl, token_env: 'HTTPS_E2E_RIG_TOKEN' },
        tls: { ca: 'site-ca.pem' },
        // XML only: the JSON rows are NOT APPLICABLE, which halves the run; the transport is the same.
        capabilities: { json: false, rig: true, task_interface_arrangement: true, operator: false },
        fixtures: {
          absent_port: 1999,
          autocase_ports: [1, 4, 5, 6, 7, 8, 2000],
          other_ports: [
            { port_id: 12, type: 'CO' },
            { port_id: 20, type: 'CA' },
          ],
          bins: 'any',
        },
      }),
    );
    const reports = path.join(dir, 'certify');
    const run = await runHarness(
      [`--target-profile=${profile}`, '--certify', '--fuzz-runs=1', `--reports=${reports}`],
      { env: { HTTPS_E2E_RIG_TOKEN: RIG_TOKEN }, timeoutMs: 600_000 },
    );
    assert.equal(run.code, 0, run.output.slice(-4000));
    assert.match(run.stdout, /^certification: CERTIFIED$/m);
    const bundles = path.join(reports, 'certification');
    const [bundle] = readdirSync(bundles);
    assert.ok(bundle);
    const summary = readJson<{ target: { transport: { tls: string; ca?: string } } }>(
      path.join(bundles, bundle, 'summary.json'),
    );
    assert.equal(summary.target.transport.tls, 'verified');
    assert.match(summary.target.transport.ca ?? '', /site-ca\.pem \(sha256 [0-9a-f]{64}\)$/);
    assert.match(
      readFileSync(path.join(bundles, bundle, 'summary.md'), 'utf8'),
      /^\| TLS \| verified, authorities /m,
    );
  });
});

test('no private key and no certificate is in the repository', (t) => {
  let files: string[];
  try {
    files = execFileSync('git', ['ls-files', '-z'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
      .split('\0')
      .filter((file) => file !== '');
  } catch {
    t.skip('not a git checkout');
    return;
  }
  // A key's label (written in two halves, so that this file is not itself a match), or any PEM block with a body.
  const keyLabel = ['PRIVATE', 'KEY'].join(' ');
  const pemBody = /-----BEGIN [A-Z0-9 ]+-----\r?\n[A-Za-z0-9+/=]{40,}/;
  const found = files.filter((file) => {
    let text: string;
    try {
      text = readFileSync(path.join(ROOT, file), 'latin1');
    } catch {
      return false; // deleted in the working tree
    }
    return text.includes(keyLabel) || pemBody.test(text);
  });
  assert.deepEqual(found, []);
});
