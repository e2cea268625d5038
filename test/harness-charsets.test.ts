// One list of Latin-1 charset names serves the bytes the client sends, the bytes the XSD validates and the reading
// of an answer's bytes: every name in it, US-ASCII and each spelling of ISO-8859-1, gives the same bytes on the
// way out and to libxml2, and the same text on the way in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRequest } from '../support/checks/schema.ts';
import {
  answerCharset,
  bodyBytes,
  declaredXmlEncoding,
  decodeText,
  isLatin1Charset,
  LATIN1_CHARSETS,
} from '../support/wire/charsets.ts';

const LATIN1_NAMES = [
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'latin-1',
  'l1',
  'us-ascii',
  'ascii',
];

function call(declared: string, text: string): string {
  return `<?xml version="1.0" encoding="${declared}"?><methodcall><name>${text}</name><params/></methodcall>`;
}

describe('the Latin-1 names', () => {
  it('are US-ASCII and the spellings of ISO-8859-1, in any case', () => {
    assert.deepEqual([...LATIN1_CHARSETS].sort(), [...LATIN1_NAMES].sort());
    for (const name of LATIN1_NAMES) {
      assert.ok(isLatin1Charset(name.toUpperCase()), name);
    }
    assert.ok(!isLatin1Charset('utf-8'));
    assert.ok(!isLatin1Charset('windows-1252'));
  });
});

describe('bodyBytes: what is sent and what is validated', () => {
  it('is one byte a character for an XML body declared in any of the names', () => {
    for (const name of LATIN1_NAMES) {
      for (const written of [name, name.toUpperCase()]) {
        const body = call(written, 'caf\u00e9');
        assert.deepEqual(bodyBytes(body, 'XML'), Buffer.from(body, 'latin1'), written);
      }
    }
  });

  it('is UTF-8 for UTF-8, no declaration, a character past U+00FF, and JSON', () => {
    const utf8 = (body: string) => Buffer.from(body, 'utf8');
    for (const body of [
      call('UTF-8', 'caf\u00e9'),
      '<methodcall><name>caf\u00e9</name></methodcall>',
      call('ISO-8859-1', 'caf\u00e9 \u20ac'),
    ]) {
      assert.deepEqual(bodyBytes(body, 'XML'), utf8(body), body);
    }
    const json = '{"method":"caf\u00e9"}';
    assert.deepEqual(bodyBytes(json, 'JSON'), utf8(json));
  });

  it('is what the XSD reads: a US-ASCII body past ASCII reaches libxml2 as the one byte sent', async () => {
    // libxml2 reads the byte as the declaration says: é as E9 breaks US-ASCII, as it would on the wire
    const errors = await validateRequest(call('US-ASCII', 'case_cancel\u00e9'), 'XML', 'case_cancel', false);
    assert.match(errors.join('\n'), /Invalid bytes in character encoding/);
    assert.deepEqual(await validateRequest(call('US-ASCII', 'case_cancel'), 'XML', 'case_cancel', false), []);
    assert.deepEqual(
      await validateRequest(call('ISO-8859-1', 'case_cancel'), 'XML', 'case_cancel', false),
      [],
    );
  });

  it('finds the declared encoding only in a declaration', () => {
    assert.equal(declaredXmlEncoding(call('ISO-8859-1', 'x')), 'ISO-8859-1');
    assert.equal(declaredXmlEncoding(`\uFEFF${call('latin1', 'x')}`), 'latin1');
    assert.equal(declaredXmlEncoding('<methodcall encoding="latin1"/>'), undefined);
  });
});

describe('reading an answer', () => {
  it('reads every Latin-1 name as ISO-8859-1, C1 controls included (not as windows-1252)', () => {
    const bytes = Buffer.from([0x63, 0x80, 0x9f, 0xe9]);
    for (const name of LATIN1_NAMES) {
      assert.equal(
        decodeText(bytes, answerCharset(bytes, `application/xml; charset=${name}`, 'XML')),
        'c\u0080\u009f\u00e9',
        name,
      );
    }
  });

  it('takes the charset from the Content-Type, else an XML declaration, else UTF-8', () => {
    const declared = Buffer.from('<?xml version="1.0" encoding="ISO_8859-1"?><response/>', 'latin1');
    assert.equal(answerCharset(declared, 'application/xml; charset=UTF8', 'XML'), 'utf-8');
    assert.equal(answerCharset(declared, 'application/xml', 'XML'), 'iso_8859-1');
    assert.equal(answerCharset(declared, 'application/json', 'JSON'), 'utf-8');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), declared]);
    assert.equal(answerCharset(bom, undefined, 'XML'), 'utf-8');
  });
});
