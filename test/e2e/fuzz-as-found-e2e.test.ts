// The @fuzz properties on a site as found, through the real command (node --import tsx support/run.ts): against
// the emulator with no rig on emulator/sites/as-found.json (an AutoCase port at 1500, probe-able), with no profile,
// discovery reads ports 1-2000 first. A faithful controller passes the three properties that can be judged as found
// (the sequences are INCONCLUSIVE for want of a rig); bin-band-refused and port-high-missing are caught, each with
// the seed and the command that replays the counterexample. The unit side: test/harness-fuzz-as-found.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../emulator/index.ts';
import { AS_FOUND_SITE_FILE } from '../../emulator/site.ts';
import { runHarness } from '../helpers/run-script.ts';

const SITE_FILE = fileURLToPath(AS_FOUND_SITE_FILE);

describe('through the real command, on a site as found', () => {
  const runs: { deviation: string; reports: string; code: number; output: string }[] = [];
  before(async () => {
    await Promise.all(
      ['none', 'bin-band-refused', 'port-high-missing'].map(async (deviation) => {
        const emulator = await startEmulator({
          port: 0,
          rig: false,
          quiet: true,
          site: SITE_FILE,
          deviate: deviation === 'none' ? [] : [deviation],
        });
        const reports = await mkdtemp(path.join(tmpdir(), `fuzz-as-found-${deviation}-`));
        try {
          const run = await runHarness(
            [`--target=${emulator.taskUrl}`, '--tags', '@fuzz', `--reports=${reports}`, '--seed=20261127'],
            { timeoutMs: 600_000 },
          );
          runs.push({ deviation, reports, code: run.code, output: run.output });
        } finally {
          await emulator.close();
        }
      }),
    );
  });
  after(async () => {
    for (const run of runs) await rm(run.reports, { recursive: true, force: true });
  });

  interface Verdicts {
    readonly scenarios: readonly { name: string; verdict: string; reason?: string }[];
  }
  const verdicts = async (deviation: string) => {
    const run = runs.find((r) => r.deviation === deviation);
    assert.ok(run);
    const file = JSON.parse(await readFile(path.join(run.reports, 'verdicts.json'), 'utf8')) as Verdicts;
    return { run, scenarios: file.scenarios };
  };

  it('a faithful controller: six properties PASSED, the sequences INCONCLUSIVE for want of a rig', async () => {
    const { run, scenarios } = await verdicts('none');
    assert.equal(run.code, 0, run.output.slice(-3000));
    assert.match(run.output, /read-only: \d+ ports found/);
    assert.equal(scenarios.filter((s) => s.verdict === 'PASSED').length, 6, run.output.slice(-3000));
    const inconclusive = scenarios.filter((s) => s.verdict === 'INCONCLUSIVE');
    assert.equal(inconclusive.length, 2);
    for (const s of inconclusive) assert.match(s.reason ?? '', /the stateful sequences arrange ports: a rig/);
  });

  for (const deviation of ['bin-band-refused', 'port-high-missing']) {
    it(`${deviation}: caught, with the seed and the command that replays it`, async () => {
      const { run, scenarios } = await verdicts(deviation);
      assert.equal(run.code, 1, run.output.slice(-3000));
      assert.ok(scenarios.some((s) => s.verdict === 'FAILED'));
      assert.match(
        run.output,
        /replay: npm test -- .*--seed=20261127 --fuzz-path=(in-range|literals)-as-found\.(xml|json)@/,
      );
    });
  }
});
