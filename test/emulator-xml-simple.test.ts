// The emulator reads plain XML calls without fast-xml-parser (simpleXmlTree, for speed: docs/bench.md). Whatever
// it reads must read exactly as the parser reads it; whatever it is unsure of it must leave to the parser.
// Compared here on every form the harness sends and on thousands of seeded variations of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parserXmlTree, parseXmlCall, simpleXmlTree } from '../emulator/codec-xml.ts';
import { NO_DEVIATIONS } from '../emulator/deviations.ts';
import { variations } from './helpers/xml-variations.ts';

const DECLARATIONS = [
  '',
  '<?xml version="1.0"?>',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
  "<?xml version='1.1' encoding='iso-8859-1'?>",
  '<?xml  version = "1.0"  ?>',
  '<?xml version="2.0"?>',
  '<?xml encoding="UTF-8"?>',
  '<?xml-stylesheet href="a"?>',
];
const GAPS = ['', '\n', '  ', '\t', '\r\n', '\n  '];
const VALUES = [
  '4',
  ' 4 ',
  '\n4\n',
  '+4',
  '004',
  '-1',
  '4.0',
  '1e3',
  'abc',
  '',
  'ä€😀',
  '\u00a0',
  '<x/>',
  '<x>1</x>',
  '<x>1</x>2',
  '&amp;4',
  '&#52;',
  '&#x34;',
  '<![CDATA[4]]>',
  '<!-- c -->4',
  'a>b',
  ']]',
  '<?pi x?>4',
  '4\r',
];

function call(declaration: string, gap: string, port: string, bin: string, params = true): string {
  const inner = params
    ? `${gap}<params>${gap}<port_id>${port}</port_id>${gap}<bin_id>${bin}</bin_id>${gap}</params>`
    : '';
  return `${declaration}${gap}<methodcall>${gap}<name>case_cancel</name>${inner}${gap}</methodcall>${gap}`;
}

function corpus(): string[] {
  const texts = new Set<string>();
  for (const declaration of DECLARATIONS) {
    for (const gap of GAPS) {
      texts.add(call(declaration, gap, '4', '101337'));
      texts.add(call(declaration, gap, '4', '101337', false));
    }
  }
  for (const port of VALUES) {
    for (const bin of VALUES) texts.add(call('<?xml version="1.0" encoding="UTF-8"?>', '\n  ', port, bin));
  }
  for (const text of [
    '<methodcall><name>case_cancel</name><params/></methodcall>',
    '<methodcall><name>case_cancel</name><params></params></methodcall>',
    '<methodcall><name>case_cancel</name><params><port_id>1</port_id><port_id>2</port_id></params></methodcall>',
    '<methodcall><name>case_cancel</name><name>x</name></methodcall>',
    '<methodcall><name> case_cancel </name></methodcall>',
    '<methodcall><name><x/>case_cancel</name></methodcall>',
    '<methodcall/>',
    '<a/>',
    '<methodcall></methodcall><methodcall></methodcall>',
    '<methodcall></methodcall>x',
    'x<methodcall></methodcall>',
    '  <methodcall></methodcall>',
    '<methodcall a="1"></methodcall>',
    '<methodcall ></methodcall>',
    '<methodcall></methodcall >',
    '<methodcall></methodcal>',
    '<methodcall><name>a</methodcall></name>',
    '<methodcall>',
    '</methodcall>',
    '<m:call xmlns:m="u"></m:call>',
    '<a.b-c_d></a.b-c_d>',
    '<_a><__proto__>1</__proto__><constructor/></_a>',
    '<1a></1a>',
    '',
    '   ',
    `<a>${'<b>'.repeat(40)}${'</b>'.repeat(40)}</a>`,
    `<a>${'<b>'.repeat(120)}${'</b>'.repeat(120)}</a>`,
  ]) {
    texts.add(text);
  }
  return [...texts];
}

const EXTRA_TOKENS = ['<name>', '</name>'];

/** What parseXmlCall checks before it reads a tree: no DOCTYPE, only characters XML allows. */
function reachesTheTree(text: string): boolean {
  if (/<!(?!--|\[CDATA\[)/.test(text)) return false;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
    if (code === 0xfffe || code === 0xffff) return false;
  }
  return true;
}

function compare(texts: readonly string[]): { read: number; left: number } {
  let read = 0;
  let left = 0;
  for (const text of texts) {
    if (!reachesTheTree(text)) continue;
    const simple = simpleXmlTree(text);
    if (simple === undefined) {
      left++;
      continue;
    }
    read++;
    const parsed = parserXmlTree(text, false);
    assert.ok(!('ok' in parsed), `read as XML, but the parser refuses it: ${JSON.stringify(text)}`);
    assert.deepEqual(simple, parsed, `read differently: ${JSON.stringify(text)}`);
  }
  return { read, left };
}

describe('simpleXmlTree reads what the parser reads, or leaves it to the parser', () => {
  it('reads every plain form of a call as fast-xml-parser does', () => {
    const { read, left } = compare(corpus());
    assert.ok(read >= 100, `only ${read} of the forms were read without the parser`);
    assert.ok(left >= 50, `only ${left} of the forms were left to the parser`);
  });

  it('reads seeded variations of them as fast-xml-parser does', () => {
    const texts = variations(corpus(), { count: 40_000, seed: 20261127, extraTokens: EXTRA_TOKENS });
    const { read } = compare(texts);
    assert.ok(read >= 500, `only ${read} variations were read without the parser`);
  });

  it('reads the calls the harness sends without the parser', () => {
    for (const text of [
      call('<?xml version="1.0" encoding="UTF-8"?>', '\n  ', '4', '101337'),
      call('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '', '4', '101337'),
      '<?xml version="1.0" encoding="UTF-8"?>\n<methodcall>\n  <name>case_cancel</name>\n  <params/>\n</methodcall>',
    ]) {
      assert.notEqual(simpleXmlTree(text), undefined, JSON.stringify(text));
    }
  });

  it('reads a call padded to 1 MiB as the parser does, whatever the length', () => {
    const head = '<?xml version="1.0"?>\n<methodcall><name>case_cancel</name><params><port_id>4</port_id>';
    const pad = (text: string) => text.repeat(Math.ceil(1024 ** 2 / text.length)).slice(0, 1024 ** 2 - 200);
    const texts = [
      `${head}<bin_id>0</bin_id>${pad(' ')}</params></methodcall>`,
      `${head}<bin_id>0</bin_id></params></methodcall>${pad('\n\t ')}`,
      `${head}<bin_id>${pad(' ')}7${pad(' ').slice(0, 1000)}</bin_id></params></methodcall>`,
      `${head}${pad('<x>1</x>')}<bin_id>0</bin_id></params></methodcall>`,
    ];
    const { read, left } = compare(texts);
    assert.deepEqual({ read, left }, { read: texts.length, left: 0 });
  });

  it('leaves references, CDATA, comments, attributes, CR and deep nesting to the parser', () => {
    for (const text of [
      '<methodcall><name>case&#95;cancel</name></methodcall>',
      '<methodcall><name><![CDATA[case_cancel]]></name></methodcall>',
      '<methodcall><!-- c --><name>case_cancel</name></methodcall>',
      '<methodcall a="1"><name>case_cancel</name></methodcall>',
      '<methodcall><name>case_cancel</name>\r\n</methodcall>',
      `<a>${'<b>'.repeat(40)}${'</b>'.repeat(40)}</a>`,
    ]) {
      assert.equal(simpleXmlTree(text), undefined, JSON.stringify(text));
    }
  });

  it('gives the same call and the same refusals through parseXmlCall', () => {
    const call4 = parseXmlCall(
      Buffer.from(call('<?xml version="1.0" encoding="UTF-8"?>', '\n', ' 4 ', '101337')),
      undefined,
      NO_DEVIATIONS,
    );
    assert.ok(call4.ok);
    assert.equal(call4.call.method, 'case_cancel');
    assert.deepEqual(call4.call.params?.get('port_id'), {
      encoding: 'XML',
      elements: [{ name: 'port_id', text: ' 4 ', children: [] }],
    });
    const twoRoots = parseXmlCall(Buffer.from('<methodcall/><methodcall/>'), undefined, NO_DEVIATIONS);
    assert.deepEqual(twoRoots, {
      ok: false,
      notACall: { kind: 'malformed', reason: 'malformed XML: more than one root element' },
    });
  });
});
