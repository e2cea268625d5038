// `npm test` against targets whose TLS is wrong, through the real command: each certificate problem, the wrong
// scheme either way, a rig elsewhere with a bad certificate, and --ca and --insecure misused: exit 2 and one line
// on stderr that says what to do. The emulators run here, on 127.0.0.1, with certificates made at run time.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { runHarness } from '../helpers/run-script.ts';
import { type Issued, loopbackCertificate, TestAuthority } from '../helpers/test-pki.ts';

const DAY_MS = 86_400_000;
const authority = new TestAuthority('site authority');
const now = Date.now();
const certificates = {
  good: loopbackCertificate(authority),
  stranger: loopbackCertificate(new TestAuthority('somebody else')),
  wrongName: authority.issue({ commonName: 'controller.example', altNames: ['controller.example'] }),
  expired: loopbackCertificate(authority, {
    notBefore: new Date(now - 10 * DAY_MS),
    notAfter: new Date(now - DAY_MS),
  }),
  notYetValid: loopbackCertificate(authority, {
    notBefore: new Date(now + 10 * DAY_MS),
    notAfter: new Date(now + 20 * DAY_MS),
  }),
} satisfies Record<string, Issued>;

let dir: string;
let caFile: string;
const emulators: Partial<Record<keyof typeof certificates | 'plain', RunningEmulator>> = {};

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'harness-tls-cli-'));
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, authority.cert);
  for (const [name, tls] of Object.entries(certificates))
    emulators[name as keyof typeof certificates] = await startEmulator({ port: 0, rigToken: 'T', tls });
  emulators.plain = await startEmulator({ port: 0, rigToken: 'T' });
});

after(async () => {
  await Promise.all(Object.values(emulators).map((emulator) => emulator?.close()));
  rmSync(dir, { recursive: true, force: true });
});

function task(name: keyof typeof emulators): string {
  const emulator = emulators[name];
  assert.ok(emulator);
  return emulator.taskUrl;
}

/** The harness's one line on stderr, after it exited 2. */
async function oneLine(args: readonly string[]): Promise<string> {
  const run = await runHarness(args, { env: { HARNESS_REPORTS: 'messages' }, timeoutMs: 60_000 });
  assert.equal(run.code, 2, run.output);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  return lines[0] ?? '';
}

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const hostPort = (url: string) => new URL(url).host;

describe('npm test against TLS that is wrong: exit 2, one line', { concurrency: 4 }, () => {
  test('an unknown authority: named, with --ca', async () => {
    const url = task('good');
    assert.match(
      await oneLine([`--target=${url}`]),
      new RegExp(
        `^harness: target ${esc(url)} cannot be used: the certificate of ${esc(hostPort(url))} \\(127\\.0\\.0\\.1\\) is signed by "site authority", an authority the harness does not trust \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\): give that authority with --ca FILE \\(or tls\\.ca in the profile\\)$`,
      ),
    );
  });

  test('the wrong host name', async () => {
    const url = task('wrongName');
    assert.match(
      await oneLine([`--target=${url}`, '--ca', caFile]),
      /^harness: target .+ cannot be used: the certificate of .+ \(controller\.example\) is not for 127\.0\.0\.1: it names DNS:controller\.example \(wrong host name; aim at a name it holds\)$/,
    );
  });

  test('expired, and not yet valid', async () => {
    assert.match(
      await oneLine([`--target=${task('expired')}`, '--ca', caFile]),
      /^harness: target .+ cannot be used: the certificate of .+ \(127\.0\.0\.1\) expired on \S+ \(now \S+\)$/,
    );
    assert.match(
      await oneLine([`--target=${task('notYetValid')}`, `--ca=${caFile}`]),
      /^harness: target .+ cannot be used: the certificate of .+ is not valid before \S+ \(now \S+: is this machine's clock right\?\)$/,
    );
  });

  test('a plain HTTP server on an https:// URL, and an HTTPS server on an http:// URL', async () => {
    const plain = task('plain');
    const https = plain.replace('http:', 'https:');
    assert.equal(
      await oneLine([`--target=${https}`]),
      `harness: target ${https} cannot be used: ${hostPort(https)} answers plain HTTP, not HTTPS: use ${plain}`,
    );
    const secure = task('good');
    const http = secure.replace('https:', 'http:');
    assert.equal(
      await oneLine([`--target=${http}`, `--ca=${caFile}`]),
      `harness: target ${http} cannot be used: ${hostPort(http)} speaks TLS, not plain HTTP: use ${secure} (with --ca FILE if its authority is your own)`,
    );
  });

  test('a rig elsewhere whose certificate the harness does not trust', async () => {
    const rig = emulators.stranger?.rigUrl ?? '';
    assert.match(
      await oneLine([`--target=${task('good')}`, `--rig=${rig}`, `--ca=${caFile}`]),
      new RegExp(
        `^harness: rig ${esc(rig)} cannot be used: the certificate of .+ is signed by "somebody else", an authority the harness does not trust .+--ca FILE`,
      ),
    );
  });

  test('--ca that names no certificate; --insecure with --ca, or with --certify', async () => {
    const missing = path.join(dir, 'missing.pem');
    assert.equal(
      await oneLine([`--target=${task('good')}`, `--ca=${missing}`]),
      `harness: --ca ${missing}: no such file`,
    );
    // Usage errors: their line, then the pointer to --help.
    const usage = async (args: readonly string[]) => {
      const run = await runHarness(args, { timeoutMs: 60_000 });
      assert.equal(run.code, 2, run.output);
      assert.equal(run.stderr.split('\n')[1], 'run "npm test -- --help" for the flags');
      return run.stderr.split('\n')[0];
    };
    assert.equal(
      await usage([`--ca=${caFile}`, '--insecure']),
      'harness: --ca and --insecure contradict each other: --insecure verifies no certificate',
    );
    assert.equal(
      await usage(['--certify', '--insecure', '--target-profile=profiles/emulator.json']),
      "harness: --certify refuses --insecure: a certification verifies the target's certificate (give its authority with --ca FILE)",
    );
  });
});
