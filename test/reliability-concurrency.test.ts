// Concurrency on the emulator: 100 simultaneous cancels of one port in error give exactly one success, and
// rig writes racing calls and reads never leave a torn port state.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type ConcurrencyFigures, measureConcurrency } from './hostile/emulator-figures.ts';

describe('concurrency', () => {
  let figures: ConcurrencyFigures;

  before(async () => {
    figures = await measureConcurrency(5, 1200);
  });

  it('100 simultaneous cancels of one port in error: exactly one success and 99 × 1152, every round', () => {
    for (const round of figures.cancelRounds) {
      assert.deepEqual(round, { '200 fault 1152': 99, '200 success': 1 });
    }
    assert.deepEqual(
      figures.eventsPerRound,
      Array(figures.rounds).fill(1),
      'one Log Publisher line per round',
    );
  });

  it('rig writes racing cancels and reads: every read is one whole state written, never a mix', () => {
    const race = figures.race;
    assert.deepEqual(race.tornReads, []);
    assert.equal(
      race.rigReads,
      Object.values(race.reads).reduce((a, b) => a + b, 0),
    );
  });

  it('every cancel answer fits one of the states, and each success published exactly one line', () => {
    const race = figures.race;
    assert.deepEqual(race.impossibleAnswers, []);
    assert.equal(race.events, race.successes);
    assert.ok(race.successes > 0, 'some cancels met the port armed');
    assert.ok(
      Object.keys(race.answers).length >= 4,
      `the race reached several states: ${JSON.stringify(race.answers)}`,
    );
  });
});
