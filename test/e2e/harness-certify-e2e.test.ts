// Through the real commands: `npm test -- --certify` against an emulator with a token-guarded rig writes a
// bundle that `npm run verify-bundle` accepts and rejects once any byte of any file in it changes, and the
// token appears nowhere: not in the console, not under the reports directory. The whole suite (certify
// refuses filters): about 20 s.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { MANIFEST, verifyBundle } from '../../support/report/verify-bundle.ts';
import { runScript } from '../helpers/run-script.ts';

const TOKEN = 'rig-token-7f3a9c1e-never-printed';

const node = (script: string, args: readonly string[]) => runScript(script, args);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

describe('certification, end to end', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let reports: string;
  let run: { code: number; output: string };
  let bundle: string;

  before(async () => {
    emulator = await startEmulator({ port: 0, rigToken: TOKEN, quiet: true });
    dir = await mkdtemp(path.join(tmpdir(), 'certify-e2e-'));
    reports = path.join(dir, 'reports');
    const profile = JSON.parse(await readFile('profiles/emulator.json', 'utf8'));
    profile.task_url = emulator.taskUrl;
    profile.rig = { url: emulator.rigUrl, token: TOKEN };
    const file = path.join(dir, 'profile.json');
    await writeFile(file, JSON.stringify(profile, null, 2));
    run = await node('support/run.ts', ['--certify', `--target-profile=${file}`, `--reports=${reports}`]);
    const stamps = await readdir(path.join(reports, 'certification'));
    assert.equal(stamps.length, 1, run.output);
    bundle = path.join(reports, 'certification', stamps[0] as string);
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('certifies the faithful emulator: exit 0, a bundle with every file the issue lists', async () => {
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /certification: CERTIFIED/);
    assert.match(path.basename(bundle), /^\d{8}T\d{6}Z$/);
    const names = (await readdir(bundle)).sort();
    assert.deepEqual(names, [
      MANIFEST,
      'exchanges.ndjson',
      'junit.xml',
      'messages.ndjson',
      'profile.json',
      'summary.json',
      'summary.md',
    ]);
    const summary = JSON.parse(await readFile(path.join(bundle, 'summary.json'), 'utf8'));
    assert.equal(summary.verdict, 'CERTIFIED');
    assert.equal(summary.target.identity.product, 'reference emulator (emulator/)');
    assert.match(summary.harness.commit, /^[0-9a-f]{40}$|^unknown$/);
    assert.equal(summary.harness.version, '0.1.0');
    assert.ok(Object.keys(summary.schemas).includes('case_cancel.response.xsd'));
    assert.equal(typeof summary.seed, 'number');
    assert.equal(summary.counts.FAILED + summary.counts.INCONCLUSIVE, 0);
    const requirements = JSON.parse(await readFile('features/requirements.json', 'utf8')).requirements;
    assert.equal(summary.requirements.length, requirements.length);
    for (const r of summary.requirements) assert.equal(r.verdicts.XML, 'PASSED', r.id);
    assert.ok(
      summary.scenarios.some((s: { scenario: string }) => s.scenario.startsWith('features/fuzz.feature')),
    );
    const exchanges = (await readFile(path.join(bundle, 'exchanges.ndjson'), 'utf8')).trim().split('\n');
    assert.ok(exchanges.length > 500);
    assert.equal(JSON.parse(exchanges[0] as string).scenario, 'capability check');
    const md = await readFile(path.join(bundle, 'summary.md'), 'utf8');
    assert.match(md, /\| CC-1099 \| seed \| PASSED \| PASSED \|/);
    assert.equal(JSON.parse(await readFile(path.join(bundle, 'profile.json'), 'utf8')).rig.token, '***');
  });

  it('is accepted by npm run verify-bundle, and rejected after one byte of any file changes', async () => {
    const accepted = await node('support/report/verify-bundle.ts', [bundle]);
    assert.equal(accepted.code, 0, accepted.output);
    assert.match(accepted.output, /accepted, 6 files as written/);
    for (const name of await readdir(bundle)) {
      const file = path.join(bundle, name);
      const original = await readFile(file);
      const changed = Buffer.from(original);
      const at = Math.floor(original.length / 2);
      changed[at] = (changed[at] as number) ^ 0x20;
      await writeFile(file, changed);
      if (name === 'summary.md') {
        const rejected = await node('support/report/verify-bundle.ts', [bundle]);
        assert.equal(rejected.code, 1, rejected.output);
        assert.match(rejected.output, /REJECTED\n {2}- changed: summary\.md/);
      } else {
        assert.equal((await verifyBundle(bundle)).ok, false, `one byte of ${name}`);
      }
      await writeFile(file, original);
    }
    assert.equal((await verifyBundle(bundle)).ok, true);
  });

  it('never shows the rig token: not in the console, not under the reports directory', async () => {
    assert.ok(!run.output.includes(TOKEN), 'the console output holds the token');
    const files = await filesUnder(reports);
    assert.ok(files.length > 20);
    for (const file of files) {
      const content = await readFile(file);
      assert.equal(content.includes(TOKEN), false, `${file} holds the token`);
    }
  });
});
