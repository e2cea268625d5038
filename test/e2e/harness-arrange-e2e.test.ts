// Through the real command against the emulator without its rig (profiles/emulator-no-rig.json, its site at
// rest): what the Task Interface can arrange passes, verified by a read-back; the rest is INCONCLUSIVE with
// its reason; nothing FAILS and nothing passes unverified. A subset of the suite, to stay fast.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { runHarness } from '../helpers/run-script.ts';
import { logsOf } from '../helpers/scenario-logs.ts';

const harness = (args: readonly string[]) => runHarness(args);

interface Verdicts {
  counts: Record<string, number>;
  scenarios: { scenario: string; name: string; verdict: string; reason?: string; requirements: string[] }[];
}

describe('arranging through the Task Interface, end to end', () => {
  let emulator: RunningEmulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator({
      port: 0,
      rig: false,
      quiet: true,
      site: 'profiles/emulator-no-rig.site.json',
    });
    dir = await mkdtemp(path.join(tmpdir(), 'arrange-e2e-'));
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes what it can arrange, verified; the rest is INCONCLUSIVE with its reason; nothing fails', async () => {
    const reports = path.join(dir, 'no-rig');
    const { code, output } = await harness([
      '--target-profile=profiles/emulator-no-rig.json',
      `--target=${emulator.taskUrl}`,
      `--reports=${reports}`,
      '--tags',
      '(@req:CC-1000 or @req:CC-1087 or @req:CC-1152 or @req:CC-1153 or @req:CC-SUCCESS or @req:CC-EFFECT-LOG) and not @fuzz',
    ]);
    assert.equal(code, 0, output);
    const verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as Verdicts;
    const by = (verdict: string) => verdicts.scenarios.filter((s) => s.verdict === verdict);
    assert.equal(by('FAILED').length, 0, output);
    const passed = by('PASSED').map((s) => s.name);
    for (const name of [
      'A port that does not exist refuses the cancel (XML)',
      'A port that is not an AutoCase port refuses the cancel (GL, JSON)',
      'With no AutoCase operation going on there is nothing to cancel (XML)',
      'An active operation without error cannot be cancelled (EREQ, XML)',
    ])
      assert.ok(passed.includes(name), `${name} passed:\n${output}`);
    for (const s of by('INCONCLUSIVE')) assert.ok(s.reason && s.reason.length > 20, JSON.stringify(s));
    const success = verdicts.scenarios.filter((s) => s.requirements.includes('CC-SUCCESS'));
    assert.ok(success.length >= 12);
    for (const s of success) {
      assert.equal(s.verdict, 'INCONCLUSIVE');
      assert.match(
        s.reason ?? '',
        /^the AutoCase error flag: .*a rig .*an operator .*the Task Interface cannot arrange it either$/,
      );
    }
    // None passes unverified: every passed scenario read its port back through the Task Interface (arranged, or
    // played as found and read again after the call).
    const logs = await logsOf(path.join(reports, 'messages.ndjson'));
    for (const name of passed) {
      const lines = (logs.get(name) ?? []).join('\n');
      assert.match(
        lines,
        /read it back|does not exist: getportstatus answers 1000|reads after the call as right before it/,
        `${name}: ${lines}`,
      );
    }
    assert.match(output, /\d+ scenarios: \d+ PASSED, 0 FAILED, 0 NOT APPLICABLE, \d+ INCONCLUSIVE/);
  });

  it('without a terminal, a scenario that needs the operator is INCONCLUSIVE and says why; no JSON is NOT APPLICABLE', async () => {
    const profile = JSON.parse(await readFile('profiles/emulator-no-rig.json', 'utf8'));
    profile.capabilities.operator = true;
    profile.capabilities.json = false;
    const file = path.join(dir, 'operator.json');
    await writeFile(file, JSON.stringify(profile));
    const reports = path.join(dir, 'operator');
    const { code, output } = await harness([
      `--target-profile=${file}`,
      `--target=${emulator.taskUrl}`,
      `--reports=${reports}`,
      '--interactive',
      '--tags',
      '@req:CC-SUCCESS and not @fuzz',
    ]);
    assert.equal(code, 0, output);
    assert.match(output, /--interactive: standard input is not a terminal/);
    const verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as Verdicts;
    for (const s of verdicts.scenarios) {
      if (s.name.includes('JSON')) {
        assert.equal(s.verdict, 'NOT APPLICABLE');
        assert.match(s.reason ?? '', /declares no JSON encoding \(capabilities\.json: false\)/);
      } else {
        assert.equal(s.verdict, 'INCONCLUSIVE');
        assert.match(s.reason ?? '', /--interactive needs a terminal, and standard input is not one/);
      }
    }
    const junit = await readFile(path.join(reports, 'junit.xml'), 'utf8');
    assert.match(junit, /<skipped type="not-applicable" message="NOT APPLICABLE: /);
    assert.match(junit, /<skipped type="inconclusive" message="INCONCLUSIVE: /);
  });
});
