// The harness reads XML answers with fast-xml-parser alone (support/wire/xml-reader.ts). What the parser refuses
// or renames, what it gives up on and whatever a controller may send must become problems, never exceptions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { decodeAnswer } from '../support/wire/answer-decoding.ts';
import { parsedXmlNodes } from '../support/wire/xml-reader.ts';
import { variations } from './helpers/xml-variations.ts';

const ANSWERS = [
  '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <fault>\n    <code>1152</code>\n  </fault>\n</response>\n',
  '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <params/>\n</response>\n',
  '<?xml version="1.0"?><response><params><port_id>4</port_id></params></response>',
  "<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?><response><fault><code>1152</code></fault></response>",
  '<response><fault><code>&#49;152</code></fault></response>',
  '<response><fault><code><![CDATA[1152]]></code></fault></response>',
  '<response><!-- c --><params/></response>',
  '<response a="1"><params/></response>',
  '<response><toString>1</toString><valueOf/><isPrototypeOf/><hasOwnProperty/></response>',
  '<response><constructor>1</constructor></response>',
];
const EXTRA_TOKENS = ['<code>', '</code>', '\uFEFF', '\u00a0', '<toString/>', '<constructor/>', '<params>'];

describe('the XML reader of answers', () => {
  it('reads every text its validator passes to nodes, and decodeAnswer never throws', () => {
    const texts = variations(ANSWERS, { count: 5_000, seed: 20261127, extraTokens: EXTRA_TOKENS });
    let read = 0;
    for (const text of [...ANSWERS, ...texts]) {
      const decoded = decodeAnswer(text, 'XML');
      if (!decoded.parsed) assert.equal(decoded.answer, undefined, JSON.stringify(text));
      for (const problem of decoded.problems) assert.ok(problem.length > 0, JSON.stringify(text));
      if (XMLValidator.validate(text) === true && parsedXmlNodes(text, []) !== undefined) read++;
    }
    assert.ok(read >= 500, `only ${read} texts were read`);
  });

  it('reads elements named after Object.prototype as themselves, with or without attributes', () => {
    for (const name of ['constructor', 'prototype', '__proto__', 'toString', 'hasOwnProperty']) {
      const expected = {
        answer: { kind: 'fault', code: 1152 },
        problems: ['no XML declaration', `unexpected element <${name}> in <fault>`],
        parsed: true,
      };
      const plain = `<response><fault><code>1152</code><${name}/></fault></response>`;
      assert.deepEqual(decodeAnswer(plain, 'XML'), expected, plain);
      const attributed = `<response><fault><code x="1">1152</code><${name}>1</${name}></fault></response>`;
      assert.deepEqual(decodeAnswer(attributed, 'XML'), expected, attributed);
    }
  });

  it('reports an answer nested deeper than the parser reads, instead of throwing', () => {
    const deep = `<response a="1">${'<b>'.repeat(150)}${'</b>'.repeat(150)}</response>`;
    const decoded = decodeAnswer(deep, 'XML');
    assert.equal(decoded.parsed, false);
    assert.match(decoded.problems.join('\n'), /could not be read: Maximum nested tags exceeded/);
  });

  it("reads the emulator's answers cleanly, and text between elements as a problem", () => {
    const answer = decodeAnswer(
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <fault>\n    <code> 1152 </code>\n  </fault>\n</response>\n',
      'XML',
    );
    assert.deepEqual(answer, { answer: { kind: 'fault', code: 1152 }, problems: [], parsed: true });
    const stray = decodeAnswer('<response>x<params><port_id>4</port_id></params></response>', 'XML');
    assert.deepEqual(stray, {
      answer: { kind: 'success', params: { port_id: '4' } },
      problems: ['no XML declaration', 'text "x" directly inside <response>'],
      parsed: true,
    });
  });
});
