// The client path reads plain XML answers without fast-xml-parser (simpleXmlNodes, for speed: docs/bench.md).
// Whatever it reads must pass the parser's validator and read to exactly the parser's nodes; whatever it is
// unsure of it must leave to the parser. Compared on the answers a controller gives and on thousands of seeded
// variations of them; decodeAnswer must then find the same answer and the same problems either way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { decodeAnswer, parsedXmlNodes, simpleXmlNodes } from '../support/target/codec.ts';
import { variations } from './helpers/xml-variations.ts';

const DECLARATIONS = [
  '',
  '<?xml version="1.0"?>',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>',
  "<?xml version='1.0' encoding='utf-8' standalone='no'?>",
  '<?xml  version = "1.0"  ?>',
  '<?xml version="1.1"?>',
  '<?xml version=""?>',
  '<?xml version="1.0" encoding="UTF 8"?>',
  '<?xml version="1.0" standalone="maybe"?>',
  '<?xml\u00a0version="1.0"?>',
  '<?xml-stylesheet href="a"?>',
];
const GAPS = ['', '\n', '  ', '\t', '\r\n', '\n  '];
const TEXTS = [
  '1152',
  ' 1152 ',
  '\n1152\n',
  '+1152',
  '1.5',
  'abc',
  '',
  'ä€😀',
  '\u00a0',
  '<x/>',
  '<x>1</x>',
  '&amp;1',
  '&#49;',
  '&bogus;',
  '<![CDATA[1152]]>',
  '<!-- c -->1152',
  'a>b',
  '\uFEFF1152',
];

function fault(declaration: string, gap: string, code: string): string {
  return `${declaration}${gap}<response>${gap}<fault>${gap}<code>${code}</code>${gap}</fault>${gap}</response>${gap}`;
}

function success(declaration: string, gap: string, params: string): string {
  return `${declaration}${gap}<response>${gap}${params}${gap}</response>${gap}`;
}

function corpus(): string[] {
  const texts = new Set<string>();
  for (const declaration of DECLARATIONS) {
    for (const gap of GAPS) {
      texts.add(fault(declaration, gap, '1152'));
      texts.add(success(declaration, gap, '<params/>'));
      texts.add(success(declaration, gap, '<params></params>'));
      texts.add(success(declaration, gap, `<params>${gap}<port_id>4</port_id>${gap}</params>`));
    }
  }
  for (const code of TEXTS) texts.add(fault('<?xml version="1.0" encoding="UTF-8"?>', '\n  ', code));
  for (const text of [
    '<response><fault><code>1152</code></fault><params/></response>',
    '<response><fault><code>1</code><code>2</code></fault></response>',
    '<response/>',
    '<response></response><response></response>',
    '<response></response>x',
    'x<response></response>',
    '  <response></response>',
    '<response a="1"></response>',
    '<response ></response>',
    '<response></response >',
    '<response></respons>',
    '<methodresponse><fault><code>1</code></fault></methodresponse>',
    '<m:response xmlns:m="u"></m:response>',
    '<response><toString>1</toString><valueOf/><isPrototypeOf/><hasOwnProperty/></response>',
    '<response><constructor>1</constructor></response>',
    '<response><prototype/></response>',
    '<response><a.b-c_d>1</a.b-c_d></response>',
    '<response>',
    '',
    `<response>${'<b>'.repeat(40)}${'</b>'.repeat(40)}</response>`,
  ]) {
    texts.add(text);
  }
  return [...texts];
}

const EXTRA_TOKENS = ['<code>', '</code>', '\uFEFF', '\u00a0', '<toString/>', '<constructor/>'];

function compare(texts: readonly string[]): { read: number; left: number } {
  let read = 0;
  let left = 0;
  for (const text of texts) {
    const simple = simpleXmlNodes(text);
    if (simple === undefined) {
      left++;
      continue;
    }
    read++;
    assert.equal(
      XMLValidator.validate(text),
      true,
      `read as XML, but the validator refuses it: ${JSON.stringify(text)}`,
    );
    const problems: string[] = [];
    assert.deepEqual(simple, parsedXmlNodes(text, problems), `read differently: ${JSON.stringify(text)}`);
    assert.deepEqual(problems, [], `the parser found problems: ${JSON.stringify(text)}`);
  }
  return { read, left };
}

describe('simpleXmlNodes reads what the parser reads, or leaves it to the parser', () => {
  it('reads every plain form of an answer as fast-xml-parser does', () => {
    const { read, left } = compare(corpus());
    assert.ok(read >= 50, `only ${read} of the forms were read without the parser`);
    assert.ok(left >= 50, `only ${left} of the forms were left to the parser`);
  });

  it('reads seeded variations of them as fast-xml-parser does', () => {
    const texts = variations(corpus(), { count: 40_000, seed: 20261127, extraTokens: EXTRA_TOKENS });
    const { read } = compare(texts);
    assert.ok(read >= 300, `only ${read} variations were read without the parser`);
  });

  it("reads the emulator's answers without the parser", () => {
    for (const text of [
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <fault>\n    <code>1152</code>\n  </fault>\n</response>\n',
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <params/>\n</response>\n',
    ]) {
      assert.notEqual(simpleXmlNodes(text), undefined, JSON.stringify(text));
    }
  });

  it('leaves references, CDATA, comments, attributes, CR and deep nesting to the parser', () => {
    for (const text of [
      `<response>${'<b>'.repeat(40)}${'</b>'.repeat(40)}</response>`,
      '<response><fault><code>&#49;152</code></fault></response>',
      '<response><fault><code><![CDATA[1152]]></code></fault></response>',
      '<response><!-- c --><params/></response>',
      '<response a="1"><params/></response>',
      '<response><params/>\r\n</response>',
      '<?xml version="1.1"?><response><params/></response>',
    ]) {
      assert.equal(simpleXmlNodes(text), undefined, JSON.stringify(text));
    }
  });

  it('reads elements named after Object.prototype as themselves, either way', () => {
    for (const name of ['constructor', 'prototype', '__proto__', 'toString', 'hasOwnProperty']) {
      const expected = {
        answer: { kind: 'fault', code: 1152 },
        problems: ['no XML declaration', `unexpected element <${name}> in <fault>`],
        parsed: true,
      };
      const plain = `<response><fault><code>1152</code><${name}/></fault></response>`;
      assert.notEqual(simpleXmlNodes(plain), undefined, plain);
      assert.deepEqual(decodeAnswer(plain, 'XML'), expected, plain);
      const attributed = `<response><fault><code x="1">1152</code><${name}>1</${name}></fault></response>`;
      assert.equal(simpleXmlNodes(attributed), undefined, attributed);
      assert.deepEqual(decodeAnswer(attributed, 'XML'), expected, attributed);
    }
  });

  it('reports an answer nested deeper than the parser reads, instead of throwing', () => {
    const deep = `<response a="1">${'<b>'.repeat(150)}${'</b>'.repeat(150)}</response>`;
    const decoded = decodeAnswer(deep, 'XML');
    assert.equal(decoded.parsed, false);
    assert.match(decoded.problems.join('\n'), /could not be read: Maximum nested tags exceeded/);
  });

  it('gives decodeAnswer the same answer and problems either way', () => {
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
