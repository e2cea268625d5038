// The benchmark's statistics: order statistics, ratios and budgets. No timing here: speed targets live in
// `npm run bench` only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, median, percentile, percentiles, ratio, round, summarise } from './bench/stats.ts';

describe('median', () => {
  it('is the middle value of an odd count, whatever the order', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([7]), 7);
  });
  it('is the mean of the two middle values of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([1, 1]), 1);
  });
  it('does not reorder the samples it is given', () => {
    const samples = [3, 1, 2];
    median(samples);
    assert.deepEqual(samples, [3, 1, 2]);
  });
  it('refuses no samples and samples that are not finite numbers', () => {
    assert.throws(() => median([]), RangeError);
    assert.throws(() => median([1, Number.NaN]), RangeError);
    assert.throws(() => median([1, Number.POSITIVE_INFINITY]), RangeError);
  });
});

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 down to 1
  it('gives the smallest sample with at least p% at or below it', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 99.5), 100);
    assert.equal(percentile([10, 20, 30, 40], 50), 20);
    assert.equal(percentile([10, 20, 30, 40], 51), 30);
  });
  it('is the minimum at 0 and the maximum at 100', () => {
    assert.equal(percentile(hundred, 0), 1);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([42], 99), 42);
  });
  it('gives several percentiles of the same samples at once', () => {
    assert.deepEqual(percentiles(hundred, [50, 99, 100]), [50, 99, 100]);
  });
  it('refuses a percentile outside 0 to 100', () => {
    assert.throws(() => percentile([1, 2], -1), RangeError);
    assert.throws(() => percentile([1, 2], 101), RangeError);
    assert.throws(() => percentile([1, 2], Number.NaN), RangeError);
  });
});

describe('summarise', () => {
  it('gives the median, minimum, maximum and count, and keeps the samples in the order measured', () => {
    assert.deepEqual(summarise([3, 9, 1, 4, 5]), {
      median: 4,
      min: 1,
      max: 9,
      runs: 5,
      samples: [3, 9, 1, 4, 5],
    });
  });
});

describe('ratio', () => {
  it('divides', () => {
    assert.equal(ratio(3, 2), 1.5);
  });
  it('is no figure over nothing', () => {
    assert.equal(ratio(1, 0), undefined);
    assert.equal(ratio(1, -1), undefined);
    assert.equal(ratio(Number.NaN, 1), undefined);
  });
});

describe('judge', () => {
  const atMost = { name: 'suite', figure: 'suite.ratio', limit: 2, direction: 'at-most', unit: '×' } as const;
  const atLeast = {
    name: 'client',
    figure: 'client.ratio',
    limit: 0.5,
    direction: 'at-least',
    unit: '×',
  } as const;
  it('meets an at-most budget at or under the limit', () => {
    assert.equal(judge(atMost, 2).met, true);
    assert.equal(judge(atMost, 1.2).met, true);
    assert.equal(judge(atMost, 2.01).met, false);
  });
  it('meets an at-least budget at or over the limit', () => {
    assert.equal(judge(atLeast, 0.5).met, true);
    assert.equal(judge(atLeast, 0.49).met, false);
  });
  it('misses a budget whose figure could not be measured', () => {
    assert.equal(judge(atMost, undefined).met, false);
    assert.equal(judge(atLeast, Number.NaN).met, false);
  });
  it('keeps the budget and the value in what it returns', () => {
    assert.deepEqual(judge(atMost, 1), { ...atMost, value: 1, met: true });
    assert.deepEqual(judge(atMost, 3, 'the bare server: 3 ms'), {
      ...atMost,
      value: 3,
      met: false,
      beside: 'the bare server: 3 ms',
    });
  });
});

describe('round', () => {
  it('keeps three significant digits and at most three decimals', () => {
    assert.equal(round(1234.5), 1235);
    assert.equal(round(12.345), 12.3);
    assert.equal(round(1.23456), 1.23);
    assert.equal(round(0.012345), 0.012);
    assert.equal(round(0.0004), 0);
    assert.equal(round(0), 0);
    assert.equal(round(-12.345), -12.3);
  });
});
