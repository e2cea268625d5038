// Through the real command: a profile with an error, and flags a run with a profile refuses, are exit 2 with a
// line that says which key or flag. None of these reaches a target, so each takes a second or two.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runHarness } from '../helpers/run-script.ts';

const harness = (args: readonly string[]) => runHarness(args);

describe('a run with a profile, refused before it starts', () => {
  let dir: string;
  let bad: string;
  let reports: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'profile-e2e-'));
    reports = path.join(dir, 'reports');
    bad = path.join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        identity: { vendor: 'V', product: 'P', software_release: '1' },
        task_url: 'emulator',
        rig: { token: 'never-print-this-token' },
        capabilities: { json: 'yes', rig: true, task_interface_arrangement: true, operator: false },
        fixtures: { autocase_ports: [4], bins: 'any' },
      }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a profile with an error: exit 2 and a line naming the key, never the token', async () => {
    const { code, output } = await harness([`--target-profile=${bad}`, `--reports=${reports}`]);
    assert.equal(code, 2, output);
    assert.match(output, /^harness: profile .*bad\.json: capabilities\.json: must be boolean, got "yes"$/m);
    assert.ok(!output.includes('never-print-this-token'));
  });

  it('refuses a profile that does not exist', async () => {
    const { code, output } = await harness([
      '--target-profile=profiles/no-such.json',
      `--reports=${reports}`,
    ]);
    assert.equal(code, 2);
    assert.match(output, /profile profiles\/no-such\.json: no such file/);
  });

  for (const [args, message] of [
    [
      ['--certify', '--target-profile=profiles/emulator.json', '--tags', '@xml'],
      /--certify runs every scenario: it refuses tag and name filters.*--tags @xml/,
    ],
    [['--interactive', '--parallel', '2'], /--interactive .* refuses --parallel/],
    [
      ['--interactive', '--operator-command=rig-operate'],
      /^harness: --interactive and --operator-command exclude each other: the operator is either the person at this terminal or the command$/m,
    ],
    [
      ['--expect=test/no-such-expectations.json'],
      /expectation file test\/no-such-expectations\.json: no such file/,
    ],
  ] as const) {
    it(`refuses ${args.join(' ')}`, async () => {
      const { code, output } = await harness([...args, `--reports=${reports}`]);
      assert.equal(code, 2, output);
      assert.match(output, message);
    });
  }
});
