// XML markup for an element's content (`…` in a feature table): written unescaped, valid by the request schemas,
// read as XML 1.0 reads it (CDATA sections and resolved character references are text, comments are not), written
// around another id in the same form, and sent as found only where every reading of it is a port the run may use.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRequest } from '../support/checks/schema.ts';
import { readParamValue, writtenAround } from '../support/site/as-found.ts';
import type { SitePlay } from '../support/site/literal-ids.ts';
import { markupOnSite } from '../support/site/markup-on-site.ts';
import { xmlContentText } from '../support/site/xml-content.ts';
import { inRange } from '../support/spec.ts';
import { buildParams, parseParamSpec } from '../support/vocabulary/params.ts';
import { encodeCall } from '../support/wire/request-encoding.ts';

const FORMS = [
  '<![CDATA[4]]>',
  '&#52;',
  '&#x34;',
  '4<!-- c -->',
  ' <![CDATA[+0004]]> ',
  '<!---->4',
  '&#x20;4&#10;',
] as const;

describe('XML markup as a parameter value', () => {
  it('is written in backticks, sent unescaped in XML, and cannot be sent in JSON', () => {
    assert.deepEqual(parseParamSpec('`<![CDATA[4]]>`'), { kind: 'markup', xml: '<![CDATA[4]]>' });
    assert.deepEqual(parseParamSpec('`&#52;`'), { kind: 'markup', xml: '&#52;' });
    assert.deepEqual(parseParamSpec('`4<!-- c -->\\n`'), { kind: 'markup', xml: '4<!-- c -->\n' });
    const specs = [
      ['port_id', parseParamSpec('`&#x34;`')],
      ['bin_id', parseParamSpec('`<![CDATA[101337]]>`')],
    ] as const;
    const { params, strict } = buildParams(specs, 'XML', inRange);
    assert.deepEqual(params, { port_id: { rawXml: '&#x34;' }, bin_id: { rawXml: '<![CDATA[101337]]>' } });
    assert.equal(strict, false);
    const { body } = encodeCall('case_cancel', params, 'XML');
    assert.match(body, /<port_id>&#x34;<\/port_id>/);
    assert.match(body, /<bin_id><!\[CDATA\[101337\]\]><\/bin_id>/);
    assert.throws(() => buildParams(specs, 'JSON', inRange), /harness bug/);
    // a quoted literal is the element's text: its & and < are escaped
    assert.match(
      encodeCall('case_cancel', { port_id: '&#52;' }, 'XML').body,
      /<port_id>&amp;#52;<\/port_id>/,
    );
  });

  it('is valid by the request schemas, the strict one included: each form is an xs:int 1-2000 as XML reads it', async () => {
    for (const form of FORMS) {
      const { body } = encodeCall('case_cancel', { port_id: { rawXml: form }, bin_id: 101337 }, 'XML');
      assert.deepEqual(await validateRequest(body, 'XML', 'case_cancel', true), [], form);
      assert.deepEqual(await validateRequest(body, 'XML', 'case_cancel', false), [], form);
    }
  });

  it('is read as XML reads it: CDATA and references are text, comments are not', () => {
    for (const form of FORMS) {
      assert.deepEqual(readParamValue({ rawXml: form }, 'XML'), { kind: 'integer', value: 4 }, form);
    }
    assert.equal(xmlContentText('1<!-- 9 -->0&lt;'), '10<');
    assert.deepEqual(readParamValue({ rawXml: '&#49;&#48;&#49;&#51;&#51;&#55;' }, 'XML'), {
      kind: 'integer',
      value: 101337,
    });
    assert.equal(readParamValue({ rawXml: '<value>4</value>' }, 'XML').kind, 'invalid', 'a child element');
    assert.equal(readParamValue({ rawXml: '<?pi?>4' }, 'XML').kind, 'invalid', 'a processing instruction');
    assert.equal(readParamValue({ rawXml: '&p;' }, 'XML').kind, 'invalid', 'an undeclared entity');
    assert.equal(readParamValue({ rawXml: '&#52' }, 'XML').kind, 'invalid', 'not well-formed');
    assert.equal(readParamValue({ rawXml: '<![CDATA[4.0]]>' }, 'XML').kind, 'invalid', 'no xs:int');
  });

  it('is written around another id in the same form, or not at all', () => {
    const around = (form: string, id: number) => writtenAround({ rawXml: form }, id, 'XML');
    assert.deepEqual(around('<![CDATA[4]]>', 12), { rawXml: '<![CDATA[12]]>' });
    assert.deepEqual(around('&#52;', 12), { rawXml: '&#49;&#50;' });
    assert.deepEqual(around('&#x34;', 12), { rawXml: '&#x31;&#x32;' });
    assert.deepEqual(around('4<!-- c -->', 12), { rawXml: '12<!-- c -->' });
    assert.deepEqual(around('<!-- c --> +0004 ', 12), { rawXml: '<!-- c --> +00012 ' });
    assert.deepEqual(around('&#49;&#48;&#49;&#51;&#51;&#55;', 3232), { rawXml: '&#51;&#50;&#51;&#50;' });
    assert.deepEqual(around('101337<!-- c -->', 3232), { rawXml: '3232<!-- c -->' });
    assert.equal(around('1<![CDATA[01337]]>', 3232), undefined, 'text and CDATA mixed');
    assert.equal(around('1<!-- c -->01337', 3232), undefined, 'a comment inside the value');
    assert.equal(around('&#x31;01337', 3232), undefined, 'a reference and text mixed');
    assert.equal(around('<value>4</value>', 12), undefined, 'a child element');
  });

  describe('as found', () => {
    // port 4 of the scenario is played by port 12; ports 1-20 may be used
    const play: SitePlay = {
      port: (id) => (id === 4 ? 12 : undefined),
      bin: () => undefined,
      offLimits: (port) => (port >= 1 && port <= 20 ? undefined : 'outside the ports the run may use'),
      notProbe: () => undefined,
      cancel: () => undefined,
    };

    it("is written around the port that plays the scenario's, in its form", () => {
      assert.deepEqual(markupOnSite('&#52;', play), { text: '&#49;&#50;' });
      assert.deepEqual(markupOnSite('&#x34;', play), { text: '&#x31;&#x32;' });
      assert.deepEqual(markupOnSite('<![CDATA[4]]>', play), { text: '<![CDATA[12]]>' });
      assert.deepEqual(markupOnSite('4<!-- c -->', play), { text: '12<!-- c -->' });
      // already written around the port that plays it (judged by difference): sent as it is
      assert.deepEqual(markupOnSite('&#49;&#50;', play), { text: '&#49;&#50;' });
    });

    it("a character reference's digits are no port: &#52; is not refused as port 52", () => {
      assert.deepEqual(markupOnSite('&#49;&#52;', play), { text: '&#49;&#52;' });
    });

    it('is not sent where what it means, or digits a reader could take, name a port the run may not use', () => {
      const never: SitePlay = { ...play, port: () => undefined };
      assert.match(reasonOf(markupOnSite('&#50;&#49;', never)), /port 21/, '&#50;&#49; is port 21');
      assert.match(reasonOf(markupOnSite('<![CDATA[44]]>', never)), /port 44/);
      assert.match(reasonOf(markupOnSite('<!-- 99 -->9', never)), /port 99/, "a comment's digits");
      // the scenario's port in a form that cannot be written around the one that plays it: not sent
      assert.match(
        reasonOf(markupOnSite('1<!-- c -->4', { ...play, port: (id) => (id === 14 ? 12 : undefined) })),
        /not sent/,
      );
      // child elements: the digits as written, as before
      assert.deepEqual(markupOnSite('<value>4</value>', play), { text: '<value>12</value>' });
    });
  });
});

function reasonOf(onSite: { text: string } | { reason: string }): string {
  return 'reason' in onSite ? onSite.reason : `sent as ${onSite.text}`;
}
