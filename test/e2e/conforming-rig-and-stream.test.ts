// Another vendor's controller and rig, written against the same documents as the emulator, pass every scenario
// (docs/certification.md, "Another vendor's controller and rig"): a Log Publisher that publishes a call's lines a
// moment after the answer, cuts and joins its writes and carries other ports' lines between, and a rig whose
// GET /events lags the same way, that writes a PortState in its own order and words its 400s its own way, with its
// own POST /batch in one run and none (501) in the other. Two runs of the whole suite through the real command.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expectAllPassed, type RunVerdicts } from '../helpers/all-passed.ts';
import type { StreamVariant } from '../helpers/conforming-log-publisher.ts';
import { type ConformingController, startConformingController } from '../helpers/conforming-rig-proxy.ts';
import { runHarness } from '../helpers/run-script.ts';

/**
 * 50-200 ms after the answer for every third line the calls publish, at once for the others: every scenario that
 * judges a line meets a late one in one encoding or the other, and the run stays a few seconds long.
 */
function lagEveryThird(): StreamVariant['lagMs'] {
  let line = 0;
  return () => {
    line++;
    return line % 3 === 0 ? 50 + ((line * 53) % 151) : 0;
  };
}

// the two runs at once: each has its own controller, and a run is mostly waiting (start-up, late lines)
describe("another vendor's controller and rig, through the real command", { concurrency: 2 }, () => {
  let dir: string;
  const controllers: ConformingController[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'conforming-'));
  });
  after(async () => {
    for (const controller of controllers) await controller.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function suite(
    name: string,
    controller: ConformingController,
    tags?: string,
    seed = '12',
  ): Promise<RunVerdicts> {
    const reports = path.join(dir, name);
    const run = await runHarness(
      [
        `--target=${controller.taskUrl}`,
        `--rig=${controller.rigUrl}`,
        `--log-publisher=${controller.logAddress}`,
        `--reports=${reports}`,
        '--fuzz-runs=10',
        // a fixed seed, so that CI does not depend on a draw
        `--seed=${seed}`,
        ...(tags === undefined ? [] : ['--tags', tags]),
      ],
      { env: { HARNESS_RIG_TOKEN: controller.token }, timeoutMs: 170_000 },
    );
    const verdicts = await expectAllPassed(reports, run);
    const counts = /^(\d+) scenarios: (\d+) PASSED, 0 FAILED, 0 NOT APPLICABLE, 0 INCONCLUSIVE$/m.exec(
      run.stdout,
    );
    assert.ok(counts, run.stdout.slice(-2000));
    assert.equal(counts[1], counts[2]);
    assert.equal(Number(counts[1]), verdicts.scenarios.length);
    return verdicts;
  }

  it('passes the whole suite, @fuzz too, with its own /batch, late and split lines and other ports between', async () => {
    const controller = await startConformingController({
      rig: { batch: 'steps', reorderedPortState: true, rewordedErrors: true },
      stream: { lagMs: lagEveryThird(), split: true, otherLines: true },
    });
    controllers.push(controller);
    const verdicts = await suite('with-batch', controller);
    assert.ok(verdicts.scenarios.some((s) => s.name.startsWith('Any sequence')));
    // the variants were met, not skipped
    assert.ok((controller.seen.get('POST /batch') ?? 0) > 100);
    const { late, splits } = controller.stream.exercised;
    assert.ok(late > 20 && splits > 100, JSON.stringify(controller.stream.exercised));
  });

  // The seed that drew a false FAIL of the stateful sequences (before a line an earlier run owed, landing runs later,
  // was taken for that run's: docs/fuzz.md, "Late lines of earlier runs"), on its own: 2 of 2 FAILED before, as the
  // whole suite (the stream's lag then falls on other lines) did not reproduce.
  it('passes the @fuzz scenarios of seed 718313447, whose shrinking runs met lines of earlier runs', async () => {
    const controller = await startConformingController({
      rig: { batch: 'steps', reorderedPortState: true, rewordedErrors: true },
      stream: { lagMs: lagEveryThird(), split: true, otherLines: true },
    });
    controllers.push(controller);
    const verdicts = await suite('late-lines-seed', controller, '@fuzz', '718313447');
    assert.equal(verdicts.scenarios.length, 8);
  });

  it('passes every scenario but @fuzz with a rig that has no /batch (501), its events as late as its stream', async () => {
    const controller = await startConformingController({
      rig: { batch: 501, reorderedPortState: true, rewordedErrors: true },
      stream: { lagMs: lagEveryThird(), split: false, otherLines: true },
    });
    controllers.push(controller);
    await suite('without-batch', controller, 'not @fuzz');
    assert.equal(controller.seen.get('POST /batch'), 1);
    assert.ok((controller.seen.get('GET /ports/{port_id}') ?? 0) > 100);
    assert.ok(controller.stream.exercised.late > 20);
  });
});
