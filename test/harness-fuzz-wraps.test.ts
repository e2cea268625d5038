// As found, the refused property's port_id values outside the range are written so that a controller keeping the id
// in 16 or 32 bits reads it as a port of the choice (one where no cancel can succeed), never as another port:
// 65537 would otherwise be port 1, and a random 2001-2^31 whatever its low 16 bits say.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type PortChoice, wrapsOntoChoice } from '../support/fuzz/as-found.ts';
import { paramReadings } from '../support/site/literal-ids.ts';

const SAFE = [3, 7, 1990];
const nearest = (id: number) =>
  SAFE.reduce((best, s) => (Math.abs(s - id) < Math.abs(best - id) ? s : best), SAFE[0] as number);
const ports: PortChoice = { arbitrary: fc.constantFrom(...SAFE), nearest };

describe('refused port ids that wrap, as found', () => {
  it('moves each wrap onto the nearest port of the choice, keeping the value out of the range and its form', () => {
    assert.equal(wrapsOntoChoice(65537, ports), 65536 + 3);
    assert.equal(wrapsOntoChoice(2 ** 32 + 1, ports), 2 ** 32 + 3);
    assert.equal(wrapsOntoChoice(65536 + 1500, ports), 65536 + 1990);
    assert.equal(wrapsOntoChoice(-65532, ports), -65533, '-65532 is 4 in 16 bits');
    assert.equal(wrapsOntoChoice('65540', ports), '65539');
    assert.equal(wrapsOntoChoice(' +0065540 ', ports), ' +0065539 ');
    assert.equal(wrapsOntoChoice('4294967300', ports), '4294967299');
  });

  it('leaves alone what wraps onto no valid id, what already wraps onto the choice, and what is no integer', () => {
    for (const value of [2001, 70000, 65539, 0, -1, 2 ** 31, 'abc', '4.5e4', undefined])
      assert.equal(wrapsOntoChoice(value, ports), value);
  });

  // (a negative written as text also reads as its digits, -4 as 4: the literals' own rule, not a wrap)
  it('every reading of any refused integer it writes is a port of the choice', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 2001, max: 2 ** 31 }), fc.integer({ min: -(2 ** 31), max: 0 })),
        fc.boolean(),
        (value, asText) => {
          const sent = wrapsOntoChoice(asText && value > 0 ? String(value) : value, ports);
          for (const reading of paramReadings(sent, 'port_id'))
            assert.ok(SAFE.includes(reading), `${value} sent as ${sent} reads as port ${reading}`);
        },
      ),
      { numRuns: 2000, seed: 20261203 },
    );
  });
});
