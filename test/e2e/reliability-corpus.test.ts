// The emulator against a corpus of more than 1,000 inputs that are not a call it may act on, over real HTTP
// and raw sockets: no 5xx, no dropped connection, no state change (every port read back through the rig),
// no prototype pollution, and a valid call still answered afterwards.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildCorpus } from '../hostile/corpus.ts';
import { type CorpusFigures, measureCorpus } from '../hostile/emulator-figures.ts';

const list = (offences: readonly { category: string; name: string; got: string }[]) =>
  offences.map((o) => `${o.category} / ${o.name}: ${o.got}`).join('\n');

describe('the bad-input corpus against the emulator', () => {
  let figures: CorpusFigures;

  before(async () => {
    figures = await measureCorpus();
  });

  it('holds at least 1,000 inputs, in every category the issue names', () => {
    assert.ok(figures.inputs >= 1000, `${figures.inputs} inputs`);
    for (const category of [
      'truncated',
      'random bytes',
      'invalid UTF-8',
      'UTF-16 and BOMs',
      'nesting 100,000 deep',
      '10,000 parameters',
      'entities and DOCTYPEs',
      'numbers with 10,000 digits',
      '__proto__ and constructor',
      'duplicate keys',
      'NaN, Infinity and other values',
      'every content type',
      'not HTTP',
    ]) {
      assert.ok((figures.byCategory[category] ?? 0) > 0, `no input in ${category}`);
    }
  });

  it('the corpus is the same on every run (seeded)', () => {
    const names = (token: string) => buildCorpus(token).map((entry) => `${entry.category}/${entry.name}`);
    assert.deepEqual(names('a'), names('b'));
  });

  it('no answer is a 5xx', () => {
    assert.equal(figures.serverErrors.length, 0, list(figures.serverErrors));
  });

  it('every input gets a whole HTTP answer: no connection dropped', () => {
    assert.equal(figures.dropped.length, 0, list(figures.dropped));
  });

  it('input that is not a call is refused with a 4xx; nothing is ever answered success', () => {
    assert.equal(figures.wrongAnswers.length, 0, list(figures.wrongAnswers));
  });

  it('nothing changed: every port 1-2000 and the Log Publisher read back the same through the rig', () => {
    assert.deepEqual(figures.stateChanges, []);
  });

  it("no JSON key or XML element reached a prototype of the emulator's process", () => {
    assert.deepEqual(figures.pollution, []);
  });

  it('the emulator still answers a valid call: the sample cancel succeeds, then 1152', () => {
    assert.deepEqual(figures.validCallAfter, ['200 success', '200 fault 1152']);
  });
});
