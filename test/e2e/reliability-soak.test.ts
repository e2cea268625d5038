// A bounded soak of the emulator in its own process: every answer stays correct and the memory settles.
// 10,000 calls here (RELIABILITY_SOAK_CALLS to change it); test/hostile/figures.ts runs 50,000 for the figures.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { measureSoak, type SoakFigures } from '../hostile/emulator-figures.ts';

const CALLS = Number(process.env.RELIABILITY_SOAK_CALLS ?? 10_000);
/** What the JS heap (after a full collection) may grow from the warm-up to the end: a leak of 250 bytes a call. */
const HEAP_GROWTH_LIMIT_MIB = (250 * CALLS) / (1024 * 1024);

describe(`a soak of ${CALLS} calls`, () => {
  let figures: SoakFigures;

  before(async () => {
    figures = await measureSoak(CALLS, { samples: 3 });
  });

  it('every answer is the one expected', () => {
    assert.equal(figures.calls, CALLS);
    assert.deepEqual(figures.wrong, []);
    assert.equal(figures.answers['200 success'], Math.ceil(CALLS / 500), 'one success per re-armed batch');
  });

  it('the memory settles: the heap after a collection grows by less than a small leak would make it', () => {
    const warm = figures.memory[1];
    const last = figures.memory.at(-1);
    assert.ok(warm && last, JSON.stringify(figures.memory));
    const growth = last.heapAfterGc - warm.heapAfterGc;
    assert.ok(
      growth < Math.max(HEAP_GROWTH_LIMIT_MIB, 2),
      `heap after GC ${warm.heapAfterGc} MiB after the warm-up, ${last.heapAfterGc} MiB at the end`,
    );
  });
});
