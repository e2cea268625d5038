import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inRange } from '../support/spec.ts';
import { buildParams, parseParamSpec } from '../support/vocabulary/params.ts';

describe('parameter values as the feature files write them', () => {
  it('reads numbers, missing and quoted literals with escapes', () => {
    assert.deepEqual(parseParamSpec('missing'), { kind: 'missing' });
    assert.deepEqual(parseParamSpec('-12'), { kind: 'number', value: -12 });
    assert.deepEqual(parseParamSpec('" 4 "'), { kind: 'literal', text: ' 4 ' });
    assert.deepEqual(parseParamSpec('"\\n\\t4\\n"'), { kind: 'literal', text: '\n\t4\n' });
    assert.deepEqual(parseParamSpec(`'"4"'`), { kind: 'literal', text: '"4"' });
    assert.deepEqual(parseParamSpec('"\\u{A0}4\\u{1F600}"'), { kind: 'literal', text: '\u00a04\u{1F600}' });
    assert.deepEqual(parseParamSpec('"\\\\u{A0}"'), { kind: 'literal', text: '\\u{A0}' });
    assert.throws(() => parseParamSpec('"\\u{110000}"'), /not a character/);
    assert.throws(() => parseParamSpec('four'));
  });

  it('sends a literal as XML text or raw JSON, and marks the request as not strict', () => {
    const specs = [
      ['port_id', parseParamSpec('"0004"')],
      ['bin_id', parseParamSpec('101337')],
    ] as const;
    assert.deepEqual(buildParams(specs, 'XML', inRange), {
      params: { port_id: '0004', bin_id: 101337 },
      strict: false,
    });
    assert.deepEqual(buildParams(specs, 'JSON', inRange), {
      params: { port_id: { rawJson: '0004' }, bin_id: 101337 },
      strict: false,
    });
  });

  it('leaves a missing parameter out, and calls an out-of-range number not strict', () => {
    assert.deepEqual(
      buildParams(
        [
          ['port_id', parseParamSpec('missing')],
          ['bin_id', parseParamSpec('1')],
        ],
        'XML',
        inRange,
      ),
      {
        params: { bin_id: 1 },
        strict: false,
      },
    );
    assert.equal(buildParams([['port_id', parseParamSpec('2001')]], 'XML', inRange).strict, false);
    assert.equal(
      buildParams(
        [
          ['port_id', parseParamSpec('2000')],
          ['bin_id', parseParamSpec('4000000')],
        ],
        'JSON',
        inRange,
      ).strict,
      true,
    );
  });
});
