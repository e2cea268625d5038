// A rig that does not arrange as asked is the rig's failing, not the controller's (docs/rig-control.md): through the
// real command, against the emulator behind a rig that clears case_error in every PUT or keeps the ports it is told
// to delete, the scenarios that rely on what it got wrong are INCONCLUSIVE with the port and the field, the others
// PASSED, and none FAILED; before, the same runs blamed the controller (285 and 4 scenarios FAILED).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import type { RunVerdicts } from '../helpers/all-passed.ts';
import { type Misarranging, misarrangingRig } from '../helpers/misarranging-rig.ts';
import { runHarness } from '../helpers/run-script.ts';

const TOKEN = 'misarranging-rig-token';

describe('a rig that does not arrange as asked, through the real command', { concurrency: 2 }, () => {
  let dir: string;
  const emulators: RunningEmulator[] = [];
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'misarranging-'));
  });
  after(async () => {
    for (const close of closers) await close();
    for (const emulator of emulators) await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string, how: Misarranging, features: readonly string[]): Promise<RunVerdicts> {
    const emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      logPort: 0,
      rigToken: TOKEN,
      quiet: true,
    });
    emulators.push(emulator);
    const rig = await misarrangingRig(emulator, how);
    closers.push(rig.close);
    const reports = path.join(dir, name);
    const result = await runHarness(
      [`--target=${emulator.taskUrl}`, `--rig=${rig.url}`, `--reports=${reports}`, ...features],
      { env: { HARNESS_RIG_TOKEN: TOKEN }, timeoutMs: 120_000 },
    );
    assert.equal(result.code, 0, result.output.slice(-3000));
    const verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as RunVerdicts;
    assert.deepEqual(
      verdicts.scenarios.filter((s) => s.verdict === 'FAILED').map((s) => `${s.scenario}: ${s.reason}`),
      [],
    );
    return verdicts;
  }

  it('one that clears case_error: every scenario that needs an error flag INCONCLUSIVE, naming it; the rest PASSED', async () => {
    const verdicts = await run('drop-error', { dropError: true }, ['features/errors.feature']);
    const inconclusive = verdicts.scenarios.filter((s) => s.verdict === 'INCONCLUSIVE');
    assert.ok(inconclusive.length >= 10, JSON.stringify(verdicts.counts));
    for (const s of inconclusive)
      assert.match(
        s.reason ?? '',
        /^the rig did not arrange port \d+ as asked: after PUT \/ports\/\d+ it reads case_error false \(sent true\)/,
        s.scenario,
      );
    // the scenarios whose ports have no error flag set are judged, and pass
    assert.ok(verdicts.scenarios.some((s) => s.verdict === 'PASSED'));
    assert.ok(verdicts.scenarios.every((s) => s.verdict === 'PASSED' || s.verdict === 'INCONCLUSIVE'));
  });

  it('one that keeps the ports it deletes: the scenarios on a port that must not exist INCONCLUSIVE', async () => {
    const verdicts = await run('keep-on-delete', { keepOnDelete: true }, ['features/errors.feature']);
    const inconclusive = verdicts.scenarios.filter((s) => s.verdict === 'INCONCLUSIVE');
    assert.ok(inconclusive.length >= 2, JSON.stringify(verdicts.counts));
    for (const s of inconclusive)
      assert.match(
        s.reason ?? '',
        /^the rig did not take port \d+ away: after DELETE \/ports\/\d+ it still reads /,
      );
    assert.ok(verdicts.scenarios.filter((s) => s.verdict === 'PASSED').length > inconclusive.length);
  });
});
