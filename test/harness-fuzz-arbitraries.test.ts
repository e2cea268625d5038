// The fuzz generators make what their names promise: refused values are refused, accepted literals mean their
// value, ids stay in range, and every value can be written on the wire and read back in a feature file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  binIdInRange,
  literalBounds,
  literalCall,
  portIdInRange,
  refusedBounds,
  refusedCall,
  SITE_CALL_BOUNDS,
  siteCall,
} from '../support/fuzz/arbitraries.ts';
import { checkParams, readParam, type Sent } from '../support/fuzz/oracle.ts';
import { sequence, sequenceCalls } from '../support/fuzz/sequences.ts';
import { cancelRequest, writtenParam } from '../support/fuzz/session.ts';
import type { Encoding } from '../support/model.ts';
import { BIN_ID, PORT_ID } from '../support/spec.ts';
import { parseParamSpec } from '../support/vocabulary/params.ts';

const ENCODINGS: readonly Encoding[] = ['XML', 'JSON'];
const runs = { numRuns: 300, seed: 1 };

/** Characters XML 1.0 allows in text (the codec escapes &, < and >). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the excluded control characters are the point
const XML_CHARS = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]*$/u;

function onWire(sent: Sent, encoding: Encoding): void {
  if (typeof sent !== 'string') return;
  if (encoding === 'XML') assert.match(sent, XML_CHARS, `not XML text: ${JSON.stringify(sent)}`);
  else assert.doesNotThrow(() => JSON.parse(sent), `not a JSON value: ${sent}`);
}

describe('the fuzz generators', () => {
  for (const encoding of ENCODINGS) {
    it(`refused values are refused with a parameter code, and can be sent (${encoding})`, () => {
      const all = [...refusedBounds(encoding), ...fc.sample(refusedCall(encoding), runs)];
      for (const call of all) {
        onWire(call.port_id, encoding);
        onWire(call.bin_id, encoding);
        const params = checkParams(readParam(call.port_id, encoding), readParam(call.bin_id, encoding));
        assert.ok('expected' in params, `a valid call was generated: ${JSON.stringify(call)}`);
        assert.equal(cancelRequest(call.port_id, call.bin_id, encoding).strictRequest, false);
      }
    });

    it(`accepted literals mean their value, one of them at least written otherwise (${encoding})`, () => {
      for (const call of [...literalBounds(encoding), ...fc.sample(literalCall(encoding), runs)]) {
        onWire(call.port_id, encoding);
        onWire(call.bin_id, encoding);
        assert.ok(typeof call.port_id === 'string' || typeof call.bin_id === 'string', JSON.stringify(call));
        assert.deepEqual(readParam(call.port_id, encoding), { kind: 'integer', value: call.port });
        assert.deepEqual(readParam(call.bin_id, encoding), { kind: 'integer', value: call.bin });
      }
    });

    it(`every value is written in a feature file's words and read back the same (${encoding})`, () => {
      const values = fc.sample(fc.oneof(refusedCall(encoding), literalCall(encoding)), runs);
      for (const call of values) {
        for (const sent of [call.port_id, call.bin_id]) {
          const spec = parseParamSpec(writtenParam(sent, encoding));
          const back =
            spec.kind === 'missing'
              ? undefined
              : spec.kind === 'number'
                ? spec.value
                : spec.kind === 'literal'
                  ? spec.text
                  : spec.xml;
          assert.equal(back, sent, writtenParam(sent, encoding));
        }
      }
    });
  }

  it('a site call calls an arranged port, with ids in range and no port twice', () => {
    for (const call of [...SITE_CALL_BOUNDS, ...fc.sample(siteCall, runs)]) {
      const ids = call.site.map((p) => p.port_id);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids[0], call.port_id);
      assert.ok(call.port_id >= PORT_ID.min && call.port_id <= PORT_ID.max);
      assert.ok(call.bin_id >= BIN_ID.min && call.bin_id <= BIN_ID.max);
      assert.equal(cancelRequest(call.port_id, call.bin_id, 'XML').strictRequest, true);
    }
  });

  it('ids reach both bounds and the binary widths around them', () => {
    const ports = new Set(fc.sample(portIdInRange, { numRuns: 2000, seed: 2 }));
    const bins = new Set(fc.sample(binIdInRange, { numRuns: 2000, seed: 2 }));
    for (const id of [PORT_ID.min, PORT_ID.max, 1024, 1025]) assert.ok(ports.has(id), `port_id ${id}`);
    for (const id of [BIN_ID.min, BIN_ID.max, 2 ** 21]) assert.ok(bins.has(id), `bin_id ${id}`);
    assert.ok([...ports].every((id) => id >= PORT_ID.min && id <= PORT_ID.max));
    assert.ok([...bins].every((id) => id >= BIN_ID.min && id <= BIN_ID.max));
  });

  it('a sequence plans a request for every port and bin it can combine', () => {
    for (const value of fc.sample(sequence(), { numRuns: 50, seed: 3 })) {
      const calls = sequenceCalls(value);
      assert.equal(calls.length, value.pools.ports.length * value.pools.bins.length);
      assert.equal(new Set(value.pools.ports).size, value.pools.ports.length);
    }
  });
});
