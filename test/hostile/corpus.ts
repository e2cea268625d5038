// The bad-input corpus: bodies, headers and byte streams that are not a call the emulator may act on.
//
// Every entry that could be read as a cancel aims at port 4 of the default site (open, bin 101337
// selected, ERSO in error): were the emulator to act on it, the port would change, and the rig read-back
// shows it. Entries that are valid calls on purpose (a UTF-8 BOM, leading zeros, a query string, a
// mutation that happens to parse) aim at port 6 with bin 3003, which answers 1152 and changes nothing.

import { deflateSync, gzipSync } from 'node:zlib';
import type { HttpRequest } from './probe.ts';
import { seeded } from './probe.ts';

export const TASK_PATH = '/api/v2/task';
export const RIG_PATH = '/rig/v1';

/** refused: an HTTP 4xx. no-success: a 4xx or an HTTP 200 fault; never a success. */
export type Expectation = 'refused' | 'no-success';

export interface CorpusEntry {
  readonly category: string;
  readonly name: string;
  readonly expect: Expectation;
  /** Well-formed HTTP, sent with undici. */
  readonly request?: HttpRequest;
  /** Not well-formed HTTP (or not HTTP at all), written on a raw socket. */
  readonly bytes?: Buffer;
}

const XML = 'application/xml';
const JSON_TYPE = 'application/json';
const NO_TYPE = undefined;

/** The armed call: on the default site this one would succeed and change port 4. */
export const ARMED_XML =
  '<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>';
export const ARMED_JSON = '{"method":"case_cancel","params":{"port_id":4,"bin_id":101337}}';
/** The harmless call: port 6 has nothing to cancel (1152). */
export const HARMLESS_XML =
  '<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>6</port_id><bin_id>3003</bin_id></params></methodcall>';
export const HARMLESS_JSON = '{"method":"case_cancel","params":{"port_id":6,"bin_id":3003}}';

function xmlWith(params: string, name = 'case_cancel'): string {
  return `<?xml version="1.0"?><methodcall><name>${name}</name><params>${params}</params></methodcall>`;
}

function jsonWith(params: string, method = '"case_cancel"'): string {
  return `{"method":${method},"params":{${params}}}`;
}

function post(body: string | Buffer, contentType: string | undefined, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extra };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return {
    method: 'POST',
    path: TASK_PATH,
    headers,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  } satisfies HttpRequest;
}

class Corpus {
  readonly entries: CorpusEntry[] = [];

  add(category: string, name: string, expect: Expectation, request: HttpRequest): void {
    this.entries.push({ category, name, expect, request });
  }

  body(
    category: string,
    name: string,
    expect: Expectation,
    body: string | Buffer,
    contentType: string | undefined,
  ): void {
    this.add(category, name, expect, post(body, contentType));
  }

  raw(category: string, name: string, expect: Expectation, bytes: string | Buffer): void {
    this.entries.push({
      category,
      name,
      expect,
      bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes,
    });
  }
}

function truncated(corpus: Corpus): void {
  // Every strict prefix of the armed call: none is well-formed, each would cancel port 4 if acted on.
  for (const [encoding, body, type] of [
    ['XML', ARMED_XML, XML],
    ['JSON', ARMED_JSON, JSON_TYPE],
  ] as const) {
    for (let length = 0; length < body.length; length++) {
      corpus.body('truncated', `${encoding} cut at byte ${length}`, 'refused', body.slice(0, length), type);
    }
  }
  // Prefixes with no Content-Type, so the emulator sniffs: every tenth byte.
  for (let length = 0; length < ARMED_XML.length; length += 10) {
    corpus.body(
      'truncated',
      `XML cut at byte ${length}, sniffed`,
      'refused',
      ARMED_XML.slice(0, length),
      NO_TYPE,
    );
  }
}

function randomBytes(corpus: Corpus): void {
  const random = seeded(0x7e57);
  const types = [XML, JSON_TYPE, 'text/plain', NO_TYPE, 'text/xml'];
  const bytes = (length: number, low = 0, high = 256) =>
    Buffer.from(Array.from({ length }, () => low + Math.floor(random() * (high - low))));
  for (let round = 0; round < 150; round++) {
    const length = 1 + Math.floor(random() * 600);
    corpus.body(
      'random bytes',
      `random bytes #${round} (${length} B)`,
      'refused',
      bytes(length),
      types[round % 5],
    );
  }
  for (let round = 0; round < 50; round++) {
    const body = bytes(1 + Math.floor(random() * 300), 0x20, 0x7f);
    corpus.body('random bytes', `random printable #${round}`, 'refused', body, types[round % 5]);
  }
  // Past the sniffing: random bytes after a '<' or a '{' (and after a declaration).
  for (let round = 0; round < 50; round++) {
    const head =
      ['<', '{', '<?xml version="1.0"?><methodcall>', '{"method":"case_cancel","params":'][round % 4] ?? '<';
    const body = Buffer.concat([Buffer.from(head), bytes(1 + Math.floor(random() * 200))]);
    corpus.body(
      'random bytes',
      `random after ${JSON.stringify(head.slice(0, 12))} #${round}`,
      'refused',
      body,
      types[round % 4],
    );
  }
}

function mutations(corpus: Corpus): void {
  // Small random edits of the harmless call: some still parse, and then answer a fault (never a success).
  const random = seeded(0xa11ce);
  const alphabet = '<>/&;#!?[]{}":,= \t\n0123456789-+.eExamlpcodnrsbi_\u00e9\u0000\ufeff\u2028\ud800';
  const seeds = [
    [HARMLESS_XML, XML],
    [HARMLESS_JSON, JSON_TYPE],
    [HARMLESS_XML, NO_TYPE],
    [HARMLESS_JSON, 'text/plain'],
  ] as const;
  for (let round = 0; round < 240; round++) {
    const [base, type] = seeds[round % seeds.length] ?? seeds[0];
    const chars = [...base];
    const edits = 1 + Math.floor(random() * 5);
    for (let edit = 0; edit < edits; edit++) {
      const at = Math.floor(random() * chars.length);
      const char = alphabet[Math.floor(random() * alphabet.length)] ?? '';
      const kind = random();
      if (kind < 0.35) chars.splice(at, 1);
      else if (kind < 0.7) chars.splice(at, 0, char);
      else if (kind < 0.9) chars[at] = char;
      else chars.splice(at, 0, ...chars.slice(at, at + 1 + Math.floor(random() * 12)));
    }
    corpus.body(
      'mutations',
      `mutation #${round} of the ${type ?? 'sniffed'} call`,
      'no-success',
      chars.join(''),
      type,
    );
  }
}

function invalidUtf8(corpus: Corpus): void {
  const sequences: Record<string, number[]> = {
    'byte FF': [0xff],
    'byte FE': [0xfe],
    'lone continuation 80': [0x80],
    'lone continuation BF': [0xbf],
    'overlong / (C0 AF)': [0xc0, 0xaf],
    'overlong 4 (C0 B4)': [0xc0, 0xb4],
    'overlong 3-byte (E0 80 AF)': [0xe0, 0x80, 0xaf],
    'overlong 4-byte (F0 80 80 AF)': [0xf0, 0x80, 0x80, 0xaf],
    'surrogate D800 (ED A0 80)': [0xed, 0xa0, 0x80],
    'surrogate DFFF (ED BF BF)': [0xed, 0xbf, 0xbf],
    'beyond U+10FFFF (F4 90 80 80)': [0xf4, 0x90, 0x80, 0x80],
    '5-byte form (F8 88 80 80 80)': [0xf8, 0x88, 0x80, 0x80, 0x80],
    'cut 2-byte (C3)': [0xc3],
    'cut 3-byte (E2 82)': [0xe2, 0x82],
    'cut 4-byte (F0 9F 98)': [0xf0, 0x9f, 0x98],
  };
  const places: [string, string, string, string | undefined][] = [
    ['XML method name', ARMED_XML, 'case_cancel</name>', XML],
    ['XML port_id', ARMED_XML, '4</port_id>', XML],
    ['XML comment', ARMED_XML.replace('<methodcall>', '<methodcall><!--x-->'), 'x-->', XML],
    [
      'XML declared UTF-8',
      ARMED_XML.replace('version="1.0"', 'version="1.0" encoding="UTF-8"'),
      '101337<',
      'text/xml; charset=utf-8',
    ],
    ['JSON method', ARMED_JSON, 'case_cancel"', JSON_TYPE],
    ['JSON key', ARMED_JSON, 'port_id"', JSON_TYPE],
    ['JSON whitespace', ARMED_JSON.replace(',', ', '), ' "bin_id', 'text/plain; charset=utf-8'],
  ];
  for (const [what, bytes] of Object.entries(sequences)) {
    for (const [where, body, anchor, type] of places) {
      const at = Buffer.from(body.slice(0, body.indexOf(anchor)), 'utf8').length;
      const raw = Buffer.from(body, 'utf8');
      const broken = Buffer.concat([raw.subarray(0, at), Buffer.from(bytes), raw.subarray(at)]);
      corpus.body('invalid UTF-8', `${what} in the ${where}`, 'refused', broken, type);
    }
  }
}

function utf16AndBoms(corpus: Corpus): void {
  const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();
  const bom = {
    'UTF-16LE': Buffer.from([0xff, 0xfe]),
    'UTF-16BE': Buffer.from([0xfe, 0xff]),
    'UTF-32LE': Buffer.from([0xff, 0xfe, 0x00, 0x00]),
    'UTF-32BE': Buffer.from([0x00, 0x00, 0xfe, 0xff]),
    'UTF-7': Buffer.from('+/v8', 'latin1'),
    'UTF-EBCDIC': Buffer.from([0xdd, 0x73, 0x66, 0x73]),
    'GB-18030': Buffer.from([0x84, 0x31, 0x95, 0x33]),
  };
  const declared16 = ARMED_XML.replace('version="1.0"', 'version="1.0" encoding="UTF-16"');
  for (const [body, what, type] of [
    [ARMED_XML, 'XML', XML],
    [declared16, 'XML declaring UTF-16', XML],
    [ARMED_XML, 'XML, charset=utf-16', 'application/xml; charset=utf-16'],
    [ARMED_JSON, 'JSON', JSON_TYPE],
    [ARMED_JSON, 'JSON, charset=utf-16', 'application/json; charset=utf-16'],
    [ARMED_XML, 'XML, sniffed', NO_TYPE],
    [ARMED_JSON, 'JSON, sniffed', NO_TYPE],
  ] as const) {
    const le = Buffer.from(body, 'utf16le');
    const be = utf16be(body);
    corpus.body(
      'UTF-16 and BOMs',
      `${what} in UTF-16LE with BOM`,
      'refused',
      Buffer.concat([bom['UTF-16LE'], le]),
      type,
    );
    corpus.body(
      'UTF-16 and BOMs',
      `${what} in UTF-16BE with BOM`,
      'refused',
      Buffer.concat([bom['UTF-16BE'], be]),
      type,
    );
    corpus.body('UTF-16 and BOMs', `${what} in UTF-16LE, no BOM`, 'refused', le, type);
    corpus.body('UTF-16 and BOMs', `${what} in UTF-16BE, no BOM`, 'refused', be, type);
  }
  for (const [name, mark] of Object.entries(bom)) {
    corpus.body(
      'UTF-16 and BOMs',
      `${name} BOM before a UTF-8 XML call`,
      'refused',
      Buffer.concat([mark, Buffer.from(ARMED_XML)]),
      XML,
    );
    corpus.body(
      'UTF-16 and BOMs',
      `${name} BOM before a UTF-8 JSON call`,
      'refused',
      Buffer.concat([mark, Buffer.from(ARMED_JSON)]),
      JSON_TYPE,
    );
  }
  const utf8Bom = Buffer.from([0xef, 0xbb, 0xbf]);
  corpus.body(
    'UTF-16 and BOMs',
    'two UTF-8 BOMs before XML',
    'refused',
    Buffer.concat([utf8Bom, utf8Bom, Buffer.from(ARMED_XML)]),
    XML,
  );
  corpus.body(
    'UTF-16 and BOMs',
    'two UTF-8 BOMs before JSON',
    'refused',
    Buffer.concat([utf8Bom, utf8Bom, Buffer.from(ARMED_JSON)]),
    JSON_TYPE,
  );
  corpus.body(
    'UTF-16 and BOMs',
    'a UTF-8 BOM after whitespace (XML)',
    'refused',
    Buffer.concat([Buffer.from(' '), utf8Bom, Buffer.from(ARMED_XML)]),
    XML,
  );
  corpus.body(
    'UTF-16 and BOMs',
    'a UTF-8 BOM inside the method name',
    'refused',
    ARMED_XML.replace('case_cancel', 'case\ufeff_cancel'),
    XML,
  );
  // One UTF-8 BOM is allowed: the harmless call is still a call (1152).
  corpus.body(
    'UTF-16 and BOMs',
    'one UTF-8 BOM before XML (a call)',
    'no-success',
    Buffer.concat([utf8Bom, Buffer.from(HARMLESS_XML)]),
    XML,
  );
  corpus.body(
    'UTF-16 and BOMs',
    'one UTF-8 BOM before JSON (a call)',
    'no-success',
    Buffer.concat([utf8Bom, Buffer.from(HARMLESS_JSON)]),
    JSON_TYPE,
  );
  corpus.body('UTF-16 and BOMs', 'XML declaring UTF-16 but sent in UTF-8', 'refused', declared16, XML);
  corpus.body(
    'UTF-16 and BOMs',
    'XML declaring UTF-32',
    'refused',
    ARMED_XML.replace('version="1.0"', 'version="1.0" encoding="UTF-32"'),
    XML,
  );
  corpus.body(
    'UTF-16 and BOMs',
    'XML declaring EBCDIC (cp037)',
    'refused',
    ARMED_XML.replace('version="1.0"', 'version="1.0" encoding="cp037"'),
    XML,
  );
}

const DEEP = 100_000;

function deepNesting(corpus: Corpus): void {
  const open = (token: string) => token.repeat(DEEP);
  corpus.body(
    'nesting 100,000 deep',
    'JSON arrays at the root',
    'refused',
    `${open('[')}${open(']')}`,
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'JSON objects at the root',
    'refused',
    `${open('{"a":')}1${open('}')}`,
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'JSON arrays as port_id',
    'no-success',
    jsonWith(`"port_id":${open('[')}4${open(']')},"bin_id":101337`),
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'JSON objects as bin_id',
    'no-success',
    jsonWith(`"port_id":4,"bin_id":${open('{"a":')}101337${open('}')}`),
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'JSON arrays as the method',
    'refused',
    jsonWith('"port_id":4,"bin_id":101337', `${open('[')}"case_cancel"${open(']')}`),
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'JSON arrays as params',
    'no-success',
    `{"method":"case_cancel","params":${open('[')}${open(']')}}`,
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'JSON arrays in an unknown parameter (a call)',
    'no-success',
    jsonWith(`"port_id":6,"bin_id":3003,"x":${open('[')}${open(']')}`),
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'JSON arrays never closed',
    'refused',
    `{"method":"case_cancel","params":{"port_id":${open('[')}`,
    JSON_TYPE,
  );
  corpus.body(
    'nesting 100,000 deep',
    'XML elements at the root',
    'refused',
    `${open('<a>')}${open('</a>')}`,
    XML,
  );
  corpus.body(
    'nesting 100,000 deep',
    'XML elements inside params',
    'refused',
    xmlWith(`<port_id>4</port_id><bin_id>101337</bin_id>${open('<x>')}${open('</x>')}`),
    XML,
  );
  corpus.body(
    'nesting 100,000 deep',
    'XML elements inside port_id',
    'refused',
    xmlWith(`<port_id>${open('<x>')}4${open('</x>')}</port_id><bin_id>101337</bin_id>`),
    XML,
  );
  corpus.body(
    'nesting 100,000 deep',
    'XML elements never closed',
    'refused',
    `<?xml version="1.0"?><methodcall>${open('<a>')}`,
    XML,
  );
  corpus.body(
    'nesting 100,000 deep',
    'XML self-closing elements 100,000 wide',
    'no-success',
    xmlWith(`<port_id>4${open('<x/>')}</port_id><bin_id>101337</bin_id>`),
    XML,
  );
  corpus.body(
    'nesting 100,000 deep',
    'XML comments 100,000 long',
    'no-success',
    xmlWith(`<port_id>6</port_id><bin_id>3003</bin_id>${open('<!---->')}`),
    XML,
  );
}

const MANY = 10_000;

function manyParameters(corpus: Corpus): void {
  const indices = Array.from({ length: MANY }, (_, index) => index);
  const xmlUnknown = indices.map((i) => `<p${i}>${i}</p${i}>`).join('');
  const jsonUnknown = indices.map((i) => `"p${i}":${i}`).join(',');
  corpus.body(
    '10,000 parameters',
    'XML: 10,000 unknown parameters and a call (1152)',
    'no-success',
    xmlWith(`${xmlUnknown}<port_id>6</port_id><bin_id>3003</bin_id>`),
    XML,
  );
  corpus.body(
    '10,000 parameters',
    'XML: 10,000 unknown parameters, no port_id (1003)',
    'no-success',
    xmlWith(`${xmlUnknown}<bin_id>101337</bin_id>`),
    XML,
  );
  corpus.body(
    '10,000 parameters',
    'XML: port_id given 10,000 times (1004)',
    'no-success',
    xmlWith(`${'<port_id>4</port_id>'.repeat(MANY)}<bin_id>101337</bin_id>`),
    XML,
  );
  corpus.body(
    '10,000 parameters',
    'XML: bin_id given 10,000 times (1010)',
    'no-success',
    xmlWith(`<port_id>4</port_id>${'<bin_id>101337</bin_id>'.repeat(MANY)}`),
    XML,
  );
  corpus.body(
    '10,000 parameters',
    'XML: 10,000 <params> elements',
    'refused',
    `<?xml version="1.0"?><methodcall><name>case_cancel</name>${'<params><port_id>4</port_id><bin_id>101337</bin_id></params>'.repeat(MANY)}</methodcall>`,
    XML,
  );
  corpus.body(
    '10,000 parameters',
    'JSON: 10,000 unknown parameters and a call (1152)',
    'no-success',
    jsonWith(`${jsonUnknown},"port_id":6,"bin_id":3003`),
    JSON_TYPE,
  );
  corpus.body(
    '10,000 parameters',
    'JSON: 10,000 unknown parameters, no port_id (1003)',
    'no-success',
    jsonWith(`${jsonUnknown},"bin_id":101337`),
    JSON_TYPE,
  );
  corpus.body(
    '10,000 parameters',
    'JSON: port_id given 10,000 times (last 6, bin 3003)',
    'no-success',
    jsonWith(`${'"port_id":4,'.repeat(MANY)}"port_id":6,"bin_id":3003`),
    JSON_TYPE,
  );
  corpus.body(
    '10,000 parameters',
    'JSON: 10,000 top-level members',
    'no-success',
    `{${jsonUnknown},"method":"case_cancel","params":{"port_id":6,"bin_id":3003}}`,
    JSON_TYPE,
  );
  const form = indices.map((i) => `p${i}=${i}`).join('&');
  corpus.body(
    '10,000 parameters',
    'a form with 10,000 fields',
    'refused',
    `port_id=4&bin_id=101337&${form}`,
    'application/x-www-form-urlencoded',
  );
  corpus.add('10,000 parameters', 'a query string with 10,000 parameters', 'refused', {
    ...post(ARMED_XML, XML),
    path: `${TASK_PATH}?${form}`,
  });
  corpus.add(
    '10,000 parameters',
    'a query string with 1,000 parameters on a call (ignored: 1152)',
    'no-success',
    {
      ...post(HARMLESS_XML, XML),
      path: `${TASK_PATH}?${indices
        .slice(0, 1000)
        .map((i) => `p${i}=${i}`)
        .join('&')}`,
    },
  );
  corpus.raw(
    '10,000 parameters',
    '10,000 header lines',
    'refused',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${ARMED_XML.length}\r\n${indices.map((i) => `x-p${i}: ${i}\r\n`).join('')}\r\n${ARMED_XML}`,
  );
}

function entities(corpus: Corpus): void {
  const lol = [
    '<!ENTITY lol "lol">',
    ...Array.from({ length: 9 }, (_, level) => {
      const inner = level === 0 ? 'lol' : `lol${level}`;
      return `<!ENTITY lol${level + 1} "${`&${inner};`.repeat(10)}">`;
    }),
  ].join('');
  const bodies: Record<string, string> = {
    'a billion laughs': `<?xml version="1.0"?><!DOCTYPE methodcall [${lol}]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>&lol9;</bin_id></params></methodcall>`,
    'a quadratic blow-up': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY a "${'a'.repeat(50_000)}">]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id><x>${'&a;'.repeat(10_000)}</x></params></methodcall>`,
    'an external entity (file)': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id><x>&xxe;</x></params></methodcall>`,
    'an external entity (http)': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id><x>&xxe;</x></params></methodcall>`,
    'a public external entity': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY xxe PUBLIC "-//X//Y" "file:///etc/hostname">]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'a parameter entity': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'an external DTD': `<?xml version="1.0"?><!DOCTYPE methodcall SYSTEM "http://127.0.0.1:9/call.dtd"><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'an internal entity for the port': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY p "4">]><methodcall><name>case_cancel</name><params><port_id>&p;</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'an entity for the method name': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY m "case_cancel">]><methodcall><name>&m;</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'a DOCTYPE alone': `<?xml version="1.0"?><!DOCTYPE methodcall><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'an ELEMENT declaration': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ELEMENT methodcall ANY>]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'an ATTLIST default': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ATTLIST port_id v CDATA "4">]><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'a DOCTYPE after the root': `${ARMED_XML}<!DOCTYPE x>`,
    'a DOCTYPE inside params': xmlWith('<!DOCTYPE x><port_id>4</port_id><bin_id>101337</bin_id>'),
    'an undeclared entity': xmlWith('<port_id>&four;</port_id><bin_id>101337</bin_id>'),
    'a recursive entity': `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY a "&b;"><!ENTITY b "&a;">]><methodcall><name>case_cancel</name><params><port_id>&a;</port_id><bin_id>101337</bin_id></params></methodcall>`,
    'an XInclude': xmlWith(
      '<port_id><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/></port_id><bin_id>101337</bin_id>',
    ),
    'an xml-stylesheet instruction with a DOCTYPE': `<?xml version="1.0"?><?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?><!DOCTYPE m [<!ENTITY x "4">]>${ARMED_XML.slice(21).replace('>4<', '>&x;<')}`,
  };
  for (const [name, body] of Object.entries(bodies)) {
    for (const type of [XML, 'text/xml', 'text/plain', NO_TYPE]) {
      const expect: Expectation = name === 'an XInclude' ? 'no-success' : 'refused';
      corpus.body('entities and DOCTYPEs', `${name} (${type ?? 'sniffed'})`, expect, body, type);
    }
  }
}

function longNumbers(corpus: Corpus): void {
  const digits = (count: number, digit = '0') => digit.repeat(count);
  const xml: [string, string, string, Expectation][] = [
    ['XML port_id 4 and 9,999 zeros', `4${digits(9999)}`, '101337', 'no-success'],
    ['XML port_id of 10,000 nines', digits(10_000, '9'), '101337', 'no-success'],
    ['XML port_id -4 and 9,999 zeros', `-4${digits(9999)}`, '101337', 'no-success'],
    ['XML port_id 4.0 with 10,000 zeros', `4.${digits(10_000)}`, '101337', 'no-success'],
    ['XML port_id 4e10000', `4e${digits(5000, '1')}`, '101337', 'no-success'],
    ['XML bin_id of 10,000 digits', '4', `101337${digits(9994)}`, 'no-success'],
    ['XML port_id 6 after 10,000 zeros (a call)', `${digits(10_000)}6`, '3003', 'no-success'],
    ['XML port_id +6 after 10,000 zeros (a call)', `+${digits(10_000)}6`, '3003', 'no-success'],
    ['XML bin_id 3003 after 10,000 zeros (a call)', '6', `${digits(10_000)}3003`, 'no-success'],
  ];
  for (const [name, port, bin, expect] of xml) {
    corpus.body(
      'numbers with 10,000 digits',
      name,
      expect,
      xmlWith(`<port_id>${port}</port_id><bin_id>${bin}</bin_id>`),
      XML,
    );
  }
  const json: [string, string, string][] = [
    ['JSON port_id 4 and 9,999 zeros', `4${digits(9999)}`, '101337'],
    ['JSON port_id of 10,000 nines', digits(10_000, '9'), '101337'],
    ['JSON port_id -4 and 9,999 zeros', `-4${digits(9999)}`, '101337'],
    ['JSON port_id 0.000...4 (10,000 digits)', `0.${digits(9999)}4`, '101337'],
    ['JSON port_id 4e+10000 written out', `4e${digits(4, '9')}`, '101337'],
    ['JSON port_id 4e-99999', '4e-99999', '101337'],
    ['JSON bin_id of 10,000 digits', '4', `101337${digits(9994)}`],
    ['JSON port_id 4.000...01 (10,000 digits)', `4.${digits(9998)}1`, '101337'],
    ['JSON port_id 6.000... (10,000 zeros: integral, a call)', `6.${digits(10_000)}`, '3003'],
    ['JSON port_id 6e0 with 10,000 zeros of exponent', `6e${digits(10_000)}`, '3003'],
  ];
  for (const [name, port, bin] of json) {
    corpus.body(
      'numbers with 10,000 digits',
      name,
      'no-success',
      jsonWith(`"port_id":${port},"bin_id":${bin}`),
      JSON_TYPE,
    );
  }
}

function prototypeKeys(corpus: Corpus): void {
  const json: [string, string][] = [
    [
      'params under __proto__',
      '{"method":"case_cancel","params":{"__proto__":{"port_id":4,"bin_id":101337}}}',
    ],
    [
      'the call under __proto__',
      '{"__proto__":{"method":"case_cancel","params":{"port_id":4,"bin_id":101337}}}',
    ],
    [
      'params in the top-level __proto__',
      '{"method":"case_cancel","__proto__":{"params":{"port_id":4,"bin_id":101337}}}',
    ],
    [
      'params under constructor.prototype',
      '{"method":"case_cancel","params":{"constructor":{"prototype":{"port_id":4,"bin_id":101337}}}}',
    ],
    [
      'the call under constructor.prototype',
      '{"constructor":{"prototype":{"method":"case_cancel","params":{"port_id":4,"bin_id":101337}}}}',
    ],
    [
      'port_id under __proto__, bin_id beside it',
      '{"method":"case_cancel","params":{"__proto__":{"port_id":4},"bin_id":101337}}',
    ],
    ['method "__proto__"', jsonWith('"port_id":4,"bin_id":101337', '"__proto__"')],
    ['method "constructor"', jsonWith('"port_id":4,"bin_id":101337', '"constructor"')],
    ['method "toString"', jsonWith('"port_id":4,"bin_id":101337', '"toString"')],
    ['method "hasOwnProperty"', jsonWith('"port_id":4,"bin_id":101337', '"hasOwnProperty"')],
    ['method "valueOf"', jsonWith('"port_id":4,"bin_id":101337', '"valueOf"')],
    ['method "prototype"', jsonWith('"port_id":4,"bin_id":101337', '"prototype"')],
    ['port_id an object with valueOf', jsonWith('"port_id":{"valueOf":4},"bin_id":101337')],
    ['port_id an object with toString', jsonWith('"port_id":{"toString":"4"},"bin_id":101337')],
    ['params "__proto__": null', '{"method":"case_cancel","params":{"__proto__":null,"port_id":4}}'],
    ['params is "__proto__"', '{"method":"case_cancel","params":"__proto__"}'],
    ['port_id named "constructor"', jsonWith('"constructor":4,"bin_id":101337')],
  ];
  for (const [name, body] of json) {
    corpus.body('__proto__ and constructor', `JSON: ${name}`, 'no-success', body, JSON_TYPE);
  }
  const xml: [string, string, string][] = [
    ['method <name>__proto__</name>', '<port_id>4</port_id><bin_id>101337</bin_id>', '__proto__'],
    ['method <name>constructor</name>', '<port_id>4</port_id><bin_id>101337</bin_id>', 'constructor'],
    ['method <name>toString</name>', '<port_id>4</port_id><bin_id>101337</bin_id>', 'toString'],
    ['method <name>hasOwnProperty</name>', '<port_id>4</port_id><bin_id>101337</bin_id>', 'hasOwnProperty'],
    [
      'params inside <__proto__>',
      '<__proto__><port_id>4</port_id><bin_id>101337</bin_id></__proto__>',
      'case_cancel',
    ],
    [
      'params inside <constructor><prototype>',
      '<constructor><prototype><port_id>4</port_id><bin_id>101337</bin_id></prototype></constructor>',
      'case_cancel',
    ],
    [
      'a <__proto__> parameter beside no port_id',
      '<__proto__>4</__proto__><bin_id>101337</bin_id>',
      'case_cancel',
    ],
    [
      'a <constructor> parameter beside no port_id',
      '<constructor>4</constructor><bin_id>101337</bin_id>',
      'case_cancel',
    ],
    [
      'port_id with a <__proto__> child',
      '<port_id><__proto__>4</__proto__></port_id><bin_id>101337</bin_id>',
      'case_cancel',
    ],
    ['elements named #text and :@', '<port_id>4<text/></port_id><bin_id>101337</bin_id>', 'case_cancel'],
  ];
  for (const [name, params, method] of xml) {
    corpus.body('__proto__ and constructor', `XML: ${name}`, 'no-success', xmlWith(params, method), XML);
  }
  corpus.body(
    '__proto__ and constructor',
    'XML: root <__proto__>',
    'refused',
    '<?xml version="1.0"?><__proto__><name>case_cancel</name></__proto__>',
    XML,
  );
  corpus.body(
    '__proto__ and constructor',
    'XML: root <constructor>',
    'refused',
    '<?xml version="1.0"?><constructor><name>case_cancel</name></constructor>',
    XML,
  );
}

function duplicateKeys(corpus: Corpus): void {
  const json: [string, string][] = [
    [
      'method twice, an unknown one last',
      '{"method":"case_cancel","method":"no_such","params":{"port_id":4,"bin_id":101337}}',
    ],
    [
      'method twice, case_cancel last (a call on 6)',
      '{"method":"no_such","method":"case_cancel","params":{"port_id":6,"bin_id":3003}}',
    ],
    [
      'params twice: port 4 first, port 6 last',
      '{"method":"case_cancel","params":{"port_id":4,"bin_id":101337},"params":{"port_id":6,"bin_id":3003}}',
    ],
    [
      'params twice: port 6 first, port 4 without bin last',
      '{"method":"case_cancel","params":{"port_id":6,"bin_id":3003},"params":{"port_id":4}}',
    ],
    ['port_id twice (4 then 6), bin 3003', jsonWith('"port_id":4,"port_id":6,"bin_id":3003')],
    ['port_id twice (6 then 4), bin 3003', jsonWith('"port_id":6,"port_id":4,"bin_id":3003')],
    ['bin_id twice (101337 then "x") on port 4', jsonWith('"port_id":4,"bin_id":101337,"bin_id":"x"')],
    ['bin_id twice ("x" then 3003) on port 6', jsonWith('"port_id":6,"bin_id":"x","bin_id":3003')],
  ];
  for (const [name, body] of json)
    corpus.body('duplicate keys', `JSON: ${name}`, 'no-success', body, JSON_TYPE);
  const xml: [string, string, Expectation][] = [
    [
      '<name> twice',
      '<?xml version="1.0"?><methodcall><name>case_cancel</name><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>',
      'refused',
    ],
    [
      '<params> twice',
      '<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>4</port_id></params><params><bin_id>101337</bin_id></params></methodcall>',
      'refused',
    ],
    [
      '<port_id> twice, same value',
      xmlWith('<port_id>4</port_id><port_id>4</port_id><bin_id>101337</bin_id>'),
      'no-success',
    ],
    [
      '<bin_id> twice, same value',
      xmlWith('<port_id>4</port_id><bin_id>101337</bin_id><bin_id>101337</bin_id>'),
      'no-success',
    ],
    ['<methodcall> twice', `${ARMED_XML}${ARMED_XML.slice(21)}`, 'refused'],
    ['an attribute twice', xmlWith('<port_id a="1" a="2">4</port_id><bin_id>101337</bin_id>'), 'refused'],
  ];
  for (const [name, body, expect] of xml) corpus.body('duplicate keys', `XML: ${name}`, expect, body, XML);
}

function oddValues(corpus: Corpus): void {
  const jsonValues = [
    'NaN',
    '-NaN',
    'Infinity',
    '-Infinity',
    '+Infinity',
    'undefined',
    'null',
    'true',
    'false',
    '"4"',
    '" 4"',
    '4.5',
    '0x4',
    '04',
    '+4',
    '.4',
    '4.',
    '-0',
    '0',
    '[4]',
    '{}',
    '"\\u0034"',
    '4n',
    '4_0',
    '١',
    '"NaN"',
    '1e400',
    '-1e400',
    '2001',
    '-4',
  ];
  for (const value of jsonValues) {
    corpus.body(
      'NaN, Infinity and other values',
      `JSON port_id ${value}`,
      'no-success',
      jsonWith(`"port_id":${value},"bin_id":101337`),
      JSON_TYPE,
    );
    corpus.body(
      'NaN, Infinity and other values',
      `JSON bin_id ${value}`,
      'no-success',
      jsonWith(`"port_id":4,"bin_id":${value}`),
      JSON_TYPE,
    );
  }
  const jsonSyntax: [string, string][] = [
    ['a comment', '{"method":"case_cancel",/* x */"params":{"port_id":4,"bin_id":101337}}'],
    ['a line comment', '{"method":"case_cancel", // x\n"params":{"port_id":4,"bin_id":101337}}'],
    ['a trailing comma', '{"method":"case_cancel","params":{"port_id":4,"bin_id":101337,},}'],
    ['single quotes', "{'method':'case_cancel','params':{'port_id':4,'bin_id':101337}}"],
    ['unquoted keys', '{method:"case_cancel",params:{port_id:4,bin_id:101337}}'],
    ['a NUL in the method', '{"method":"case_cancel\\u0000","params":{"port_id":4,"bin_id":101337}}'],
    ['a raw NUL in the method', '{"method":"case_cancel\u0000","params":{"port_id":4,"bin_id":101337}}'],
    [
      'a lone surrogate in the method',
      '{"method":"case_cancel\\ud800","params":{"port_id":4,"bin_id":101337}}',
    ],
    ['two documents', `${ARMED_JSON}${ARMED_JSON}`],
    ['a document and garbage', `${ARMED_JSON}x`],
    ['an array of calls', `[${ARMED_JSON}]`],
    ['a JSON string', JSON.stringify(ARMED_JSON)],
    ['a number', '4'],
    ['null', 'null'],
    ['an empty object', '{}'],
    ['method not a string', '{"method":4,"params":{"port_id":4,"bin_id":101337}}'],
    ['method an empty string', '{"method":"","params":{"port_id":4,"bin_id":101337}}'],
    ['method in another case', '{"method":"CASE_CANCEL","params":{"port_id":4,"bin_id":101337}}'],
    ['method with spaces', '{"method":" case_cancel ","params":{"port_id":4,"bin_id":101337}}'],
    ['Method with a capital M', '{"Method":"case_cancel","params":{"port_id":4,"bin_id":101337}}'],
    ['XML-RPC style', '{"methodName":"case_cancel","params":[4,101337]}'],
    ['JSON-RPC 2.0 style', '{"jsonrpc":"2.0","id":1,"method":"case_cancel","params":[4,101337]}'],
  ];
  for (const [name, body] of jsonSyntax)
    corpus.body('NaN, Infinity and other values', `JSON: ${name}`, 'no-success', body, JSON_TYPE);
  const xmlValues = [
    'NaN',
    'INF',
    '-INF',
    'Infinity',
    '4.0',
    '4e0',
    '0x4',
    '',
    ' ',
    '4 4',
    '4\u00a0',
    '\u00a04',
    '\uff14',
    '\u0664',
    '4<!---->0',
    '<![CDATA[4]]>0',
    '2147483648',
    '-2147483649',
    '-0',
    '+-4',
    '4L',
    '&#52;&#48;',
    'true',
  ];
  for (const value of xmlValues) {
    corpus.body(
      'NaN, Infinity and other values',
      `XML port_id ${JSON.stringify(value)}`,
      'no-success',
      xmlWith(`<port_id>${value}</port_id><bin_id>101337</bin_id>`),
      XML,
    );
  }
}

const MEDIA_TYPES: readonly (string | undefined)[] = [
  NO_TYPE,
  '',
  'application/xml',
  'text/xml',
  'application/json',
  'text/plain',
  'APPLICATION/XML',
  'Application/Json',
  'text/plain; charset=utf-8',
  'application/xml; charset=utf-8',
  'application/xml; charset=iso-8859-1',
  'application/xml; charset=utf-16',
  'application/xml; charset=ebcdic',
  'application/xml; charset=',
  'application/xml; charset="utf-8"; charset=latin1',
  'application/json; charset=iso-8859-1',
  'application/json; charset=utf-32',
  'text/plain; charset=utf-7',
  'application/json;;;',
  'application/json; boundary=x',
  'application/soap+xml',
  'application/xhtml+xml',
  'application/atom+xml',
  'application/problem+json',
  'application/ld+json',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'multipart/mixed; boundary=x',
  'application/octet-stream',
  'text/html',
  'text/csv',
  'text/javascript',
  'application/javascript',
  'application/yaml',
  'application/x-ndjson',
  'application/cbor',
  'application/msgpack',
  'application/x-protobuf',
  'application/grpc',
  'application/gzip',
  'application/pdf',
  'image/png',
  'message/http',
  '*/*',
  'application/*',
  'xml',
  'json',
  'application/',
  '/json',
  ';',
  'application/xml, application/json',
  'application/xml\t',
  `application/${'x'.repeat(8000)}`,
];

function contentTypes(corpus: Corpus): void {
  const bodies: [string, string | Buffer, Expectation][] = [
    ['the harmless XML call', HARMLESS_XML, 'no-success'],
    ['the harmless JSON call', HARMLESS_JSON, 'no-success'],
    ['the armed XML call, not well-formed', `${ARMED_XML}>`, 'refused'],
    ['the armed JSON call, not well-formed', `${ARMED_JSON},`, 'refused'],
    ['binary', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]), 'refused'],
  ];
  for (const type of MEDIA_TYPES) {
    for (const [name, body, expect] of bodies) {
      const label =
        type === undefined ? 'no Content-Type' : `Content-Type ${JSON.stringify(type.slice(0, 50))}`;
      corpus.body('every content type', `${name}, ${label}`, expect, body, type);
    }
  }
  corpus.raw(
    'every content type',
    'a Content-Type with a non-ASCII byte',
    'no-success',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\xe9\r\nContent-Length: ${ARMED_XML.length}\r\n\r\n${ARMED_XML}`,
  );
  corpus.raw(
    'every content type',
    'two Content-Type headers',
    'no-success',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Type: application/xml\r\nContent-Length: ${HARMLESS_XML.length}\r\n\r\n${HARMLESS_XML}`,
  );
  corpus.raw(
    'every content type',
    'an empty Content-Type header',
    'no-success',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type:\r\nContent-Length: ${HARMLESS_JSON.length}\r\n\r\n${HARMLESS_JSON}`,
  );
}

function verbsAndPaths(corpus: Corpus): void {
  for (const method of [
    'GET',
    'PUT',
    'DELETE',
    'PATCH',
    'OPTIONS',
    'HEAD',
    'TRACE',
    'PROPFIND',
    'SEARCH',
    'LOCK',
    'MKCOL',
    'REPORT',
  ]) {
    const body =
      method === 'GET' || method === 'HEAD' || method === 'TRACE' ? undefined : Buffer.from(ARMED_XML);
    corpus.add('verbs and paths', `${method} ${TASK_PATH}`, 'refused', {
      method,
      path: TASK_PATH,
      headers: { 'content-type': XML },
      body,
    });
  }
  const paths = [
    `${TASK_PATH}/`,
    '/api/v2/TASK',
    '/API/V2/TASK',
    '/api/v2/task/../task',
    '/api/v2/./task',
    `/${TASK_PATH}`,
    `${TASK_PATH}%00`,
    `${TASK_PATH}%2f`,
    '/api/v2/task%20',
    `${TASK_PATH};jsessionid=1`,
    '/api/v1/task',
    '/api/v3/task',
    '/api/v2',
    '/',
    '/rig',
    '/rig/v1',
    '/rig/v2/reset',
    `${RIG_PATH}/../../api/v2/task`,
    '/%2e%2e/api/v2/task',
    '/api/v2/task.json',
    `/${'a'.repeat(10_000)}`,
  ];
  for (const path of paths) {
    corpus.add('verbs and paths', `POST ${path.slice(0, 40)}`, 'refused', { ...post(ARMED_XML, XML), path });
  }
  corpus.add('verbs and paths', 'a query string on a call (ignored: 1152)', 'no-success', {
    ...post(HARMLESS_XML, XML),
    path: `${TASK_PATH}?port_id=4&bin_id=101337`,
  });
  corpus.add('verbs and paths', 'a fragment-like query on a call (1152)', 'no-success', {
    ...post(HARMLESS_JSON, JSON_TYPE),
    path: `${TASK_PATH}?#x`,
  });
  corpus.raw(
    'verbs and paths',
    'CONNECT to another host',
    'refused',
    'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
  );
  corpus.raw(
    'verbs and paths',
    'CONNECT to the task path',
    'refused',
    `CONNECT ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${ARMED_XML.length}\r\n\r\n${ARMED_XML}`,
  );
  corpus.raw(
    'verbs and paths',
    'OPTIONS *',
    'refused',
    'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  corpus.raw(
    'verbs and paths',
    'an absolute-form target to another host (a call: proxied form, 1152)',
    'no-success',
    `POST http://example.invalid${TASK_PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/xml\r\nContent-Length: ${HARMLESS_XML.length}\r\n\r\n${HARMLESS_XML}`,
  );
  corpus.raw(
    'verbs and paths',
    'an Upgrade to websocket',
    'no-success',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\nContent-Type: application/json\r\nContent-Length: ${HARMLESS_JSON.length}\r\n\r\n${HARMLESS_JSON}`,
  );
  corpus.raw(
    'verbs and paths',
    'an Upgrade to h2c',
    'no-success',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Type: application/json\r\nContent-Length: ${HARMLESS_JSON.length}\r\n\r\n${HARMLESS_JSON}`,
  );
}

function encodingsAndSizes(corpus: Corpus): void {
  const codings: [string, Buffer][] = [
    ['gzip', gzipSync(ARMED_XML)],
    ['deflate', deflateSync(ARMED_XML)],
    ['br', Buffer.from(ARMED_XML)],
    ['compress', Buffer.from(ARMED_XML)],
    ['gzip, identity', gzipSync(ARMED_XML)],
    ['x-unknown', Buffer.from(ARMED_XML)],
  ];
  for (const [coding, body] of codings) {
    corpus.add(
      'encodings and sizes',
      `Content-Encoding ${coding}`,
      'refused',
      post(body, XML, { 'content-encoding': coding }),
    );
  }
  corpus.add(
    'encodings and sizes',
    'Content-Encoding identity (a call: 1152)',
    'no-success',
    post(HARMLESS_XML, XML, { 'content-encoding': 'identity' }),
  );
  const pad = (size: number) => {
    const head = `${ARMED_XML}<!--`;
    return `${head}${'x'.repeat(size - head.length - 3)}-->`;
  };
  corpus.body('encodings and sizes', 'one byte over 1 MiB', 'refused', pad(1024 * 1024 + 1), XML);
  corpus.body('encodings and sizes', '2 MiB', 'refused', pad(2 * 1024 * 1024), XML);
  corpus.body('encodings and sizes', '8 MiB', 'refused', pad(8 * 1024 * 1024), JSON_TYPE);
  for (const type of [XML, JSON_TYPE, 'text/plain', NO_TYPE]) {
    corpus.body('encodings and sizes', `an empty body (${type ?? 'sniffed'})`, 'refused', '', type);
    corpus.body(
      'encodings and sizes',
      `whitespace only (${type ?? 'sniffed'})`,
      'refused',
      ' \r\n\t'.repeat(1000),
      type,
    );
    corpus.body(
      'encodings and sizes',
      `NUL bytes only (${type ?? 'sniffed'})`,
      'refused',
      Buffer.alloc(1000),
      type,
    );
  }
  corpus.raw(
    'encodings and sizes',
    'Expect: 100-continue over 1 MiB',
    'refused',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n`,
  );
  corpus.raw(
    'encodings and sizes',
    'an unknown Expect',
    'refused',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\nContent-Type: application/xml\r\nContent-Length: ${ARMED_XML.length}\r\n\r\n${ARMED_XML}`,
  );
  corpus.raw(
    'encodings and sizes',
    'a chunked body over 1 MiB',
    'refused',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\n\r\n${`10000\r\n${' '.repeat(0x10000)}\r\n`.repeat(17)}0\r\n\r\n`,
  );
  corpus.raw(
    'encodings and sizes',
    'a chunked call with a trailer (1152)',
    'no-success',
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\n\r\n${HARMLESS_XML.length.toString(16)}\r\n${HARMLESS_XML}\r\n0\r\nX-Trailer: 1\r\n\r\n`,
  );
}

function notHttp(corpus: Corpus): void {
  const call = (headers: string, body = ARMED_XML) =>
    `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\n${headers}\r\n${body}`;
  const entries: [string, string | Buffer][] = [
    ['a line of garbage', 'HELLO\r\n\r\n'],
    ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['a TLS ClientHello', Buffer.from(`16030100a5010000a10303${'00'.repeat(160)}`, 'hex')],
    ['an SSH banner', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['HTTP/9.9', `POST ${TASK_PATH} HTTP/9.9\r\nHost: x\r\n\r\n`],
    ['a space in the method', `PO ST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a lower-case method', `post ${TASK_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['an unknown method', `BREW ${TASK_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a NUL in the target', `POST /api/v2/task\0 HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'a header without a colon',
      `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type application/xml\r\n\r\n`,
    ],
    [
      'a header name with a space',
      `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent Type: application/xml\r\n\r\n`,
    ],
    [
      'a folded header',
      call(`Content-Type: application/xml\r\nX-A: b\r\n c\r\nContent-Length: ${ARMED_XML.length}\r\n`),
    ],
    [
      'bare LF line ends',
      `POST ${TASK_PATH} HTTP/1.1\nHost: x\nContent-Type: application/xml\nContent-Length: ${ARMED_XML.length}\n\n${ARMED_XML}`,
    ],
    [
      'no Host header',
      `POST ${TASK_PATH} HTTP/1.1\r\nContent-Type: application/xml\r\nContent-Length: ${ARMED_XML.length}\r\n\r\n${ARMED_XML}`,
    ],
    [
      'Content-Length and Transfer-Encoding',
      call(
        `Content-Type: application/xml\r\nContent-Length: ${ARMED_XML.length}\r\nTransfer-Encoding: chunked\r\n`,
      ),
    ],
    [
      'two different Content-Lengths',
      call(`Content-Type: application/xml\r\nContent-Length: ${ARMED_XML.length}\r\nContent-Length: 5\r\n`),
    ],
    ['a negative Content-Length', call('Content-Type: application/xml\r\nContent-Length: -1\r\n')],
    [
      'a Content-Length of 20 digits',
      call('Content-Type: application/xml\r\nContent-Length: 99999999999999999999\r\n'),
    ],
    ['a Content-Length in hex', call('Content-Type: application/xml\r\nContent-Length: 0x80\r\n')],
    [
      'a bad chunk size',
      `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\n\r\nzz\r\n${ARMED_XML}\r\n0\r\n\r\n`,
    ],
    [
      'a chunk extension of 20,000 bytes',
      `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\n\r\n5;${'a'.repeat(20_000)}\r\nabcde\r\n0\r\n\r\n`,
    ],
    [
      'Transfer-Encoding gzip, chunked',
      `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nContent-Type: application/xml\r\n\r\n0\r\n\r\n`,
    ],
    [
      'Transfer-Encoding chunked, gzip',
      `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\nContent-Type: application/xml\r\n\r\n0\r\n\r\n`,
    ],
    [
      'a header of 100 KiB',
      call(
        `Content-Type: application/xml\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\nContent-Length: ${ARMED_XML.length}\r\n`,
      ),
    ],
    ['a target of 100 KiB', `POST ${TASK_PATH}?${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'a CR without LF in a header',
      call(`Content-Type: application/xml\rX-A: b\r\nContent-Length: ${ARMED_XML.length}\r\n`),
    ],
    [
      'a control character in a header value',
      call(`Content-Type: application/xml\u0001\r\nContent-Length: ${ARMED_XML.length}\r\n`),
    ],
    [
      'pipelined: a call and garbage',
      `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${HARMLESS_XML.length}\r\n\r\n${HARMLESS_XML}GARBAGE\r\n\r\n`,
    ],
  ];
  for (const [name, bytes] of entries) {
    const expect: Expectation = name.startsWith('pipelined') ? 'no-success' : 'refused';
    corpus.raw('not HTTP', name, expect, bytes);
  }
}

function rigInputs(corpus: Corpus, token: string): void {
  const good = '{"type":"AC","mode":"CLOSED","selected_bin":null,"case_state":"NOOP","case_error":false}';
  const rig = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): HttpRequest => ({
    method,
    path: `${RIG_PATH}${path}`,
    headers: body === undefined ? headers : { ...headers, 'content-type': JSON_TYPE },
    body: body === undefined ? undefined : Buffer.from(body, 'utf8'),
  });
  const bearer = { authorization: `Bearer ${token}` };
  const unauthorised: [string, Record<string, string>][] = [
    ['no Authorization', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['the token with one character more', { authorization: `Bearer ${token}x` }],
    ['the token with one character less', { authorization: `Bearer ${token.slice(0, -1)}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['Basic credentials', { authorization: `Basic ${Buffer.from(`rig:${token}`).toString('base64')}` }],
    ['the token without "Bearer"', { authorization: token }],
    ['the token in another header', { 'x-rig-token': token }],
  ];
  for (const [name, headers] of unauthorised) {
    corpus.add('rig control', `PUT a port with ${name}`, 'refused', rig('PUT', '/ports/4', headers, good));
    corpus.add('rig control', `DELETE a port with ${name}`, 'refused', rig('DELETE', '/ports/4', headers));
    corpus.add(
      'rig control',
      `PUT a new port with ${name}`,
      'refused',
      rig('PUT', '/ports/3', headers, good),
    );
  }
  corpus.add(
    'rig control',
    'the token in the query string',
    'refused',
    rig('DELETE', `/ports/4?token=${token}`, {}),
  );
  const bodies: [string, string][] = [
    ['an unknown field', good.replace('}', ',"extra":1}')],
    ['a missing field', '{"type":"AC","mode":"CLOSED","selected_bin":null,"case_state":"NOOP"}'],
    ['a wrong type', good.replace('"case_error":false', '"case_error":"false"')],
    ['an unknown port type', good.replace('"AC"', '"ZZ"')],
    ['an unknown mode', good.replace('"CLOSED"', '"closed"')],
    ['a bin out of range', good.replace('null', '4000001')],
    ['a bin of 10,000 digits', good.replace('null', '9'.repeat(10_000))],
    ['a fractional bin', good.replace('null', '1.5')],
    ['a __proto__ field', good.replace('}', ',"__proto__":{"mode":"OPEN"}}')],
    ['a constructor field', good.replace('}', ',"constructor":{"prototype":{"x":1}}}')],
    [
      'duplicate keys with a bad last value',
      good.replace('"mode":"CLOSED"', '"mode":"CLOSED","mode":"BOGUS"'),
    ],
    ['nesting 100,000 deep', `{"type":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`],
    ['10,000 fields', `{${Array.from({ length: MANY }, (_, i) => `"f${i}":${i}`).join(',')}}`],
    ['NaN', good.replace('null', 'NaN')],
    ['not JSON', '<PortState/>'],
    ['an array', `[${good}]`],
    ['null', 'null'],
    ['empty', ''],
    ['a non-ASCII type', '{"type":"A\u00ff"}'],
    ['a body over 64 KiB', `${good}${' '.repeat(70_000)}`],
  ];
  for (const [name, body] of bodies) {
    corpus.add(
      'rig control',
      `PUT a PortState with ${name}`,
      'refused',
      rig('PUT', '/ports/4', bearer, body),
    );
  }
  const invalidUtf8 = rig('PUT', '/ports/4', bearer);
  corpus.add('rig control', 'PUT a PortState in invalid UTF-8 bytes', 'refused', {
    ...invalidUtf8,
    headers: { ...invalidUtf8.headers, 'content-type': JSON_TYPE },
    body: Buffer.concat([Buffer.from('{"type":"A'), Buffer.from([0xff, 0xfe]), Buffer.from('C"}')]),
  });
  for (const id of ['0', '2001', '-4', '4.0', 'abc', '%34', '4%00', '', '99999999999999999999', '4/x']) {
    corpus.add('rig control', `PUT /ports/${id}`, 'refused', rig('PUT', `/ports/${id}`, bearer, good));
    corpus.add('rig control', `DELETE /ports/${id}`, 'refused', rig('DELETE', `/ports/${id}`, bearer));
  }
  for (const [method, path] of [
    ['GET', '/reset'],
    ['PUT', '/events'],
    ['POST', '/ports/4'],
    ['PATCH', '/ports/4'],
    ['POST', '/nothing'],
  ] as const) {
    corpus.add(
      'rig control',
      `${method} ${path}`,
      'refused',
      rig(method, path, bearer, method === 'GET' ? undefined : good),
    );
  }
}

/** The whole corpus, in a fixed order. `token` is the rig token of the emulator it is sent to. */
export function buildCorpus(token: string): CorpusEntry[] {
  const corpus = new Corpus();
  truncated(corpus);
  randomBytes(corpus);
  mutations(corpus);
  invalidUtf8(corpus);
  utf16AndBoms(corpus);
  deepNesting(corpus);
  manyParameters(corpus);
  entities(corpus);
  longNumbers(corpus);
  prototypeKeys(corpus);
  duplicateKeys(corpus);
  oddValues(corpus);
  contentTypes(corpus);
  verbsAndPaths(corpus);
  encodingsAndSizes(corpus);
  notHttp(corpus);
  rigInputs(corpus, token);
  return corpus.entries;
}
