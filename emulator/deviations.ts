// Deliberate misbehaviours, one realistic bug each, so that the harness can prove it catches them.
// The emulator consults the active set at the one point each deviation concerns; see docs/emulator.md.

import {
  ACTIVE_CASE_STATES,
  PORT_MODES,
  PORT_TYPES,
  type PortMode,
  type PortState,
  type PortType,
} from './types.ts';

/**
 * What a deviation needs to show, beyond the call itself: a site as found (read through getportstatus and
 * case_getstate only, the error flag unseen) where a probe, a case_cancel the order of checks answers with a
 * fault, tells it from a conforming controller; or what no site as found offers (a success, a known error flag).
 * Every need of a deviation must be met. docs/emulator.md, "What a deviation needs to show".
 */
export type Need =
  /** An existing AutoCase port, any mode and state: the parameters, the envelope, input that is not a call. */
  | 'ac-port'
  /** A port id that answers 1000. */
  | 'absent-port'
  /** A port of any type but AC, any mode. */
  | 'non-ac-port'
  /** A port of that type, any mode. */
  | `port-type:${PortType}`
  /** A port of any type but AC whose mode is not OPEN. */
  | 'non-ac-not-open'
  /** An AutoCase port whose mode is not OPEN. */
  | 'ac-not-open'
  /** An AutoCase port in that mode. */
  | `ac-mode:${PortMode}`
  /** An OPEN AutoCase port with no bin selected. */
  | 'ac-open-no-bin'
  /** An OPEN AutoCase port with a bin selected: a cancel of any other bin answers 1149. */
  | 'ac-open-other-bin'
  /** An OPEN AutoCase port with a bin selected and no active operation (NOOP, ECMP, ICMP): 1152 for that bin. */
  | 'ac-open-inactive'
  /** An existing port with an id in 1025-1999. */
  | 'port-1025-1999'
  /** An active operation known to be without error (1153): the flag is not readable, so a rig or an operator. */
  | 'error-flag'
  /** A case_cancel that succeeds, and what follows it: a rig, an operator, or a profile that allows changes. */
  | 'success'
  /** The Log Publisher's stream (--log-publisher): what a fault publishes shows there, or by a rig's GET /events. */
  | 'log-publisher';

/** Needs no site as found can meet: the Task Interface cannot show the error flag, and a success is a change. */
export const CHANGE_NEEDS: ReadonlySet<Need> = new Set<Need>(['error-flag', 'success']);

/** Needs the selftest's run without a rig does not meet: it reads no Log Publisher (it would double its time). */
export const WITHOUT_STREAM: ReadonlySet<Need> = new Set<Need>(['log-publisher']);

function meets(need: Need, ports: ReadonlyMap<number, PortState>): boolean {
  const all = [...ports.entries()];
  const any = (test: (port: PortState, portId: number) => boolean) =>
    all.some(([id, port]) => test(port, id));
  const openAc = (port: PortState) => port.type === 'AC' && port.mode === 'OPEN';
  if (need.startsWith('port-type:')) return any((port) => port.type === need.slice('port-type:'.length));
  if (need.startsWith('ac-mode:'))
    return any((port) => port.type === 'AC' && port.mode === need.slice('ac-mode:'.length));
  switch (need) {
    case 'ac-port':
      return any((port) => port.type === 'AC');
    case 'absent-port':
      return ports.size < 2000;
    case 'non-ac-port':
      return any((port) => port.type !== 'AC');
    case 'non-ac-not-open':
      return any((port) => port.type !== 'AC' && port.mode !== 'OPEN');
    case 'ac-not-open':
      return any((port) => port.type === 'AC' && port.mode !== 'OPEN');
    case 'ac-open-no-bin':
      return any((port) => openAc(port) && port.selected_bin === null);
    case 'ac-open-other-bin':
      return any((port) => openAc(port) && port.selected_bin !== null);
    case 'ac-open-inactive':
      return any(
        (port) => openAc(port) && port.selected_bin !== null && !ACTIVE_CASE_STATES.includes(port.case_state),
      );
    case 'port-1025-1999':
      return any((_, portId) => portId >= 1025 && portId <= 1999);
    default:
      return false;
  }
}

/** The needs a site as found (ports 1-2000, no rig, no changes) does not meet; empty when it shows the deviation. */
export function unmetNeeds(needs: readonly Need[], ports: ReadonlyMap<number, PortState>): Need[] {
  return needs.filter((need) => CHANGE_NEEDS.has(need) || WITHOUT_STREAM.has(need) || !meets(need, ports));
}

/** Every need the vocabulary has, the parametrised ones spelt out: for tests and docs. */
export const ALL_NEEDS: readonly Need[] = [
  'ac-port',
  'absent-port',
  'non-ac-port',
  ...PORT_TYPES.map((type): Need => `port-type:${type}`),
  'non-ac-not-open',
  'ac-not-open',
  ...PORT_MODES.map((mode): Need => `ac-mode:${mode}`),
  'ac-open-no-bin',
  'ac-open-other-bin',
  'ac-open-inactive',
  'port-1025-1999',
  'error-flag',
  'success',
  'log-publisher',
];

export const DEVIATIONS = [
  {
    name: 'code-1000-wrong',
    description: 'a port that does not exist answers 1001',
    breaks: ['CC-1000'],
    needs: ['absent-port'],
  },
  {
    name: 'code-1087-wrong',
    description: 'a port that is not an AutoCase port answers 1000',
    breaks: ['CC-1087'],
    needs: ['non-ac-port'],
  },
  {
    name: 'code-1099-wrong',
    description: 'a port whose mode is not OPEN answers 1009',
    breaks: ['CC-1099'],
    needs: ['ac-not-open'],
  },
  {
    name: 'code-1149-wrong',
    description: "a bin_id other than the port's selected bin answers 1150",
    breaks: ['CC-1149-OTHER'],
    needs: ['ac-open-other-bin'],
  },
  {
    name: 'code-1152-wrong',
    description: 'no active AutoCase operation answers 1153',
    breaks: ['CC-1152'],
    needs: ['ac-open-inactive'],
  },
  {
    name: 'code-1153-wrong',
    description: 'an active operation without error answers 1152',
    breaks: ['CC-1153'],
    needs: ['error-flag'],
  },
  {
    name: 'code-1003-wrong',
    description: 'a missing port_id answers 1004',
    breaks: ['PARAM-1003'],
    needs: ['ac-port'],
  },
  {
    name: 'code-1004-wrong',
    description: 'an invalid port_id answers 1003',
    breaks: ['PARAM-1004-RANGE', 'PARAM-1004-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'code-1010-wrong',
    description: 'an invalid bin_id answers 1004',
    breaks: ['PARAM-1010-RANGE', 'PARAM-1010-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'skip-mode-check',
    description: 'the port mode is never checked (never 1099)',
    breaks: ['CC-1099'],
    needs: ['ac-not-open'],
  },
  {
    name: 'skip-error-check',
    description: 'an active operation without error is cancelled (never 1153)',
    breaks: ['CC-1153'],
    needs: ['error-flag'],
  },
  {
    name: 'skip-no-bin-check',
    description: 'a port with no bin selected does not answer 1149: the cancel goes ahead',
    breaks: ['CC-1149-NONE'],
    needs: ['ac-open-no-bin'],
  },
  {
    name: 'order-type-mode',
    description: 'the port mode is checked before the port type',
    breaks: ['ORDER'],
    needs: ['non-ac-not-open'],
  },
  {
    name: 'order-port-bin-params',
    description: 'bin_id is checked before port_id',
    breaks: ['ORDER'],
    needs: ['ac-port'],
  },
  {
    name: 'port-max-off-by-one',
    description: 'port_id 2000 is refused with 1004',
    breaks: ['PARAM-BOUNDS'],
    needs: ['ac-port'],
  },
  {
    name: 'port-min-off-by-one',
    description: 'port_id 0 is accepted and goes on to the port lookup',
    breaks: ['PARAM-1004-RANGE'],
    needs: ['ac-port'],
  },
  {
    name: 'bin-max-off-by-one',
    description: 'bin_id 4000001 is accepted',
    breaks: ['PARAM-1010-RANGE'],
    needs: ['ac-port'],
  },
  {
    name: 'bin-min-off-by-one',
    description: 'bin_id 1 is refused with 1010',
    breaks: ['PARAM-BOUNDS'],
    needs: ['ac-port'],
  },
  {
    name: 'port-id-uint16',
    description: 'port_id is read into 16 bits: 65540 (2^16 + 4) is port 4',
    breaks: ['PARAM-1004-RANGE'],
    needs: ['ac-port'],
  },
  {
    name: 'bin-id-uint32',
    description: 'bin_id is read into 32 bits: 4295068633 (2^32 + 101337) is bin 101337',
    breaks: ['PARAM-1010-RANGE'],
    needs: ['ac-port'],
  },
  {
    name: 'refuse-leading-zeros',
    description: 'XML integers with a sign or leading zeros (+4, 0004) are refused (1004 / 1010)',
    breaks: ['PARAM-LITERALS'],
    needs: ['ac-port'],
  },
  {
    name: 'bin-octal-leading-zero',
    description:
      "an XML bin_id with a leading zero is read as octal, as C's strtol with base 0 reads it (000101337 is 33503)",
    breaks: ['PARAM-LITERALS'],
    needs: ['ac-open-inactive'],
  },
  {
    name: 'refuse-whitespace',
    description: 'XML integers with surrounding whitespace ( 4 ) are refused (1004 / 1010)',
    breaks: ['PARAM-LITERALS'],
    needs: ['ac-port'],
  },
  {
    name: 'accept-json-string',
    description: 'a JSON string of digits ("4") is accepted as the integer',
    breaks: ['PARAM-1004-FORMAT', 'PARAM-1010-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'accept-decimal-literal',
    description: 'XML decimal literals with an integral value (4.0, 101337.0) are accepted',
    breaks: ['PARAM-1004-FORMAT', 'PARAM-1010-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'json-fraction-rounded',
    description:
      'a JSON fraction that a double rounds to an integer (4.0000000000000000001) is accepted as that integer',
    breaks: ['PARAM-1004-FORMAT', 'PARAM-1010-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'bin-child-text',
    description: 'an XML bin_id with child elements is read as the text inside them',
    breaks: ['PARAM-1010-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'param-name-any-case',
    description:
      'parameter names are matched without regard to case: <PORT_ID> (or "PORT_ID") is taken for port_id, not ignored as an unknown parameter',
    breaks: ['PARAM-1003'],
    needs: ['ac-port'],
  },
  {
    name: 'missing-bin-1003',
    description: 'a missing bin_id answers 1003',
    breaks: ['PARAM-1010-MISSING'],
    needs: ['ac-port'],
  },
  {
    name: 'success-state-kept',
    description: 'a successful cancel leaves case_state as it was',
    breaks: ['CC-EFFECT-STATE'],
    needs: ['success'],
  },
  {
    name: 'success-error-kept',
    description: 'a successful cancel leaves case_error true',
    breaks: ['CC-EFFECT-STATE'],
    needs: ['success'],
  },
  {
    name: 'success-clears-bin',
    description: 'a successful cancel clears selected_bin',
    breaks: ['CC-EFFECT-KEEP'],
    needs: ['success'],
  },
  {
    name: 'success-closes-port',
    description: 'a successful cancel sets the mode CLOSED',
    breaks: ['CC-EFFECT-KEEP'],
    needs: ['success'],
  },
  {
    name: 'success-no-log',
    description: 'a successful cancel publishes no Log Publisher line',
    breaks: ['CC-EFFECT-LOG'],
    needs: ['success'],
  },
  {
    name: 'success-wrong-log',
    description: 'a successful cancel publishes AC,<port_id>,<bin_id>,CR instead of NOOP',
    breaks: ['CC-EFFECT-LOG'],
    needs: ['success'],
  },
  {
    name: 'xml-ids-unicode-trim',
    description:
      'an XML id is trimmed of any Unicode whitespace (a no-break space too), not only of XML whitespace',
    breaks: ['PARAM-1004-FORMAT', 'PARAM-1010-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'xml-ids-any-digits',
    description: "an XML id may be written in any script's digits (٤ and ４ read as 4)",
    breaks: ['PARAM-1004-FORMAT', 'PARAM-1010-FORMAT'],
    needs: ['ac-port'],
  },
  {
    name: 'xml-cdata-refused',
    description:
      'an XML id written in a CDATA section (<![CDATA[4]]>) is refused (1004 / 1010), as a reader that takes the raw characters between the tags for the text refuses it',
    breaks: ['PARAM-LITERALS'],
    needs: ['ac-open-inactive'],
  },
  {
    name: 'xml-charref-refused',
    description:
      'an XML id written with character references (&#52;, &#x34;) is refused (1004 / 1010), as a reader that does not resolve them refuses it',
    breaks: ['PARAM-LITERALS'],
    needs: ['ac-open-inactive'],
  },
  {
    name: 'xml-comment-refused',
    description:
      'an XML id with a comment inside its element (4<!-- c -->) is refused (1004 / 1010), as a reader that takes the raw characters between the tags for the text refuses it',
    breaks: ['PARAM-LITERALS'],
    needs: ['ac-open-inactive'],
  },
  {
    name: 'json-exponent-refused',
    description:
      'a JSON id written with an exponent (4e0, 1.01337e5) is refused (1004 / 1010), as a reader that takes such a number for a fraction refuses it',
    breaks: ['PARAM-LITERALS'],
    needs: ['ac-open-inactive'],
  },
  {
    name: 'success-log-twice',
    description: 'a successful cancel publishes its AC,<port_id>,<bin_id>,NOOP line twice',
    breaks: ['CC-EFFECT-LOG'],
    needs: ['success'],
  },
  {
    name: 'success-log-ecmp-first',
    description:
      'a successful cancel publishes AC,<port_id>,<bin_id>,ECMP before its AC,<port_id>,<bin_id>,NOOP line: a second line about the port, as if the operation had completed',
    breaks: ['CC-EFFECT-LOG'],
    needs: ['success'],
  },
  {
    name: 'log-ids-as-written',
    description:
      'a successful XML cancel publishes the ids as the call wrote them (AC,+4,000101337,NOOP), not their values',
    breaks: ['CC-EFFECT-LOG'],
    needs: ['success'],
  },
  {
    name: 'fault-publishes-cr',
    description:
      'a cancel refused with 1149 (another bin) still publishes AC,<port_id>,<bin_id>,CR on the Log Publisher',
    breaks: ['CC-1149-OTHER'],
    needs: ['ac-open-other-bin', 'log-publisher'],
  },
  {
    name: 'params-beside-method',
    description:
      'a call without params has its parameters read beside the method name (children of <methodcall>, members of the JSON object)',
    breaks: ['PARAM-1003'],
    needs: ['ac-port'],
  },
  {
    name: 'fault-publishes-state',
    description:
      'a cancel refused with 1149, 1152 or 1153 publishes the port as it stands (AC,<port_id>,<selected bin>,<state>), as a controller that reports its AutoCase after every command: the line a rig that reports its PUT would publish',
    breaks: ['CC-1149-OTHER', 'CC-1152', 'CC-1153'],
    needs: ['ac-open-other-bin', 'log-publisher'],
  },
  {
    name: 'fault-publishes-cr-late',
    description:
      'a cancel refused with 1149 (another bin) publishes AC,<port_id>,<bin_id>,CR 40 ms after its answer, from a publisher task of its own',
    breaks: ['CC-1149-OTHER'],
    needs: ['ac-open-other-bin', 'log-publisher'],
  },
  {
    name: 'xml-root-wrong',
    description: 'XML answers use the root element methodresponse',
    breaks: ['ENV-XML'],
    needs: ['ac-port'],
  },
  {
    name: 'xml-no-params',
    description: 'an XML success answer is <response/> without <params/>',
    breaks: ['ENV-XML'],
    needs: ['success'],
  },
  {
    name: 'xml-fault-string',
    description: 'an XML fault is <fault><faultCode>N</faultCode></fault>',
    breaks: ['ENV-XML'],
    needs: ['ac-port'],
  },
  {
    name: 'xml-no-declaration',
    description: 'XML answers have no XML declaration',
    breaks: ['ENV-XML'],
    needs: ['ac-port'],
  },
  {
    name: 'json-code-string',
    description: 'a JSON fault code is a string ("1152")',
    breaks: ['ENV-JSON'],
    needs: ['ac-port'],
  },
  {
    name: 'json-params-null',
    description: 'an empty JSON success answer is {"params": null}',
    breaks: ['ENV-JSON'],
    needs: ['success'],
  },
  {
    name: 'json-answered-xml',
    description: 'JSON requests are answered in XML',
    breaks: ['ENV-JSON', 'HTTP-CONTENT-TYPE'],
    needs: ['ac-port'],
  },
  {
    name: 'json-response-wrapped',
    description: 'JSON answers are wrapped in {"response": ...}',
    breaks: ['ENV-JSON'],
    needs: ['ac-port'],
  },
  {
    name: 'code-out-of-range',
    description: 'fault codes leak without their 1000 offset (1152 is answered as 152)',
    breaks: ['ENV-CODE-RANGE'],
    needs: ['ac-port'],
  },
  {
    name: 'fault-http-400',
    description: 'faults travel with HTTP 400 instead of 200',
    breaks: ['HTTP-STATUS'],
    needs: ['ac-port'],
  },
  {
    name: 'invalid-op-http-409',
    description:
      'the faults that say the operation is not valid (1149 another bin, 1153 no error) travel with HTTP 409 Conflict instead of 200',
    breaks: ['HTTP-STATUS'],
    needs: ['ac-open-other-bin'],
  },
  {
    name: 'content-type-text-plain',
    description: 'answers carry Content-Type text/plain',
    breaks: ['HTTP-CONTENT-TYPE'],
    needs: ['ac-port'],
  },
  {
    name: 'refuse-text-plain-request',
    description: 'a request declared text/plain is answered 415',
    breaks: ['REQ-FORMS'],
    needs: ['ac-port'],
  },
  {
    name: 'refuse-standalone',
    description: 'an XML request declaring standalone="yes" is answered 400',
    breaks: ['REQ-FORMS'],
    needs: ['ac-port'],
  },
  {
    name: 'xml-always-utf8',
    description:
      'an XML body is decoded as UTF-8 whatever its declaration says: a call declared ISO-8859-1 with a character past ASCII (a comment "Kühlhaus") is refused 400',
    breaks: ['REQ-FORMS'],
    needs: ['ac-port'],
  },
  {
    name: 'drop-on-malformed',
    description: 'malformed XML makes the emulator destroy the connection without an answer',
    breaks: ['ROB-MALFORMED'],
    needs: ['ac-port'],
  },
  {
    name: 'malformed-200',
    description: 'malformed XML or JSON is answered HTTP 200 with fault 1003',
    breaks: ['ROB-MALFORMED'],
    needs: ['ac-port'],
  },
  {
    name: 'malformed-422',
    description: 'a body that is not well-formed XML or JSON is answered HTTP 422 instead of 400',
    breaks: ['ROB-MALFORMED'],
    needs: ['ac-port'],
  },
  {
    name: 'any-xml-root',
    description: 'an XML call is read whatever its root element (methodCall, request, ...)',
    breaks: ['ROB-MALFORMED'],
    needs: ['ac-port'],
  },
  {
    name: 'doctype-500',
    description: 'a DOCTYPE is answered HTTP 500',
    breaks: ['ROB-DOCTYPE'],
    needs: ['ac-port'],
  },
  {
    name: 'entity-expanded',
    description: 'internal entities declared in a DOCTYPE are expanded and the call is processed',
    breaks: ['ROB-DOCTYPE'],
    needs: ['ac-port'],
  },
  {
    name: 'unknown-method-fault',
    description: 'an unknown method is answered HTTP 200 with fault 1000',
    breaks: ['ROB-METHOD'],
    needs: ['ac-port'],
  },
  {
    name: 'method-name-any-case',
    description: 'a method name is matched without regard to case: CASE_CANCEL is taken for case_cancel',
    breaks: ['ROB-METHOD'],
    needs: ['ac-port'],
  },
  {
    name: 'params-before-method',
    description:
      'port_id, which every port method takes, is checked before the method is looked up: an unknown method without port_id answers HTTP 200 with fault 1003',
    breaks: ['ROB-METHOD'],
    needs: ['ac-port'],
  },
  {
    name: 'unknown-method-404',
    description: 'an unknown method is answered HTTP 404 instead of 400',
    breaks: ['ROB-METHOD'],
    needs: ['ac-port'],
  },
  {
    name: 'oversize-accepted',
    description: 'bodies over 1 MiB are read and processed',
    breaks: ['ROB-SIZE'],
    needs: ['ac-port'],
  },
  {
    name: 'body-limit-1536k',
    description: 'the body limit is 1.5 MiB (1,536 KiB): a body just over 1 MiB is read and processed',
    breaks: ['ROB-SIZE'],
    needs: ['ac-port'],
  },
  {
    name: 'body-limit-1000000',
    description: 'the body limit is 1,000,000 bytes: a body of exactly 1 MiB is refused with 413',
    breaks: ['ROB-SIZE'],
    needs: ['ac-port'],
  },
  {
    name: 'json-null-body-500',
    description:
      'a JSON body that is null is answered HTTP 500, as code reading body.method from the parsed body crashes on it',
    breaks: ['ROB-MALFORMED'],
    needs: ['ac-port'],
  },
  {
    name: 'json-trailing-data-read',
    description:
      "a JSON body is read up to the end of its first value and what follows is ignored, as Go's json.Decoder reads a request body: a call with a stray '}' after it is processed",
    breaks: ['ROB-MALFORMED'],
    needs: ['ac-port'],
  },
  {
    name: 'json-method-unhashable-500',
    description:
      'a JSON method that is a list or an object is answered HTTP 500, as a Python dict lookup of it throws (unhashable type)',
    breaks: ['ROB-METHOD'],
    needs: ['ac-port'],
  },
  {
    name: 'oversize-chunked-accepted',
    description:
      'the body limit is checked on the Content-Length header only: a body over 1 MiB sent chunked is read and processed',
    breaks: ['ROB-SIZE'],
    needs: ['ac-port'],
  },
  {
    name: 'refusal-empty',
    description:
      'input that is not a call is refused with the right status and an empty body: no explanation',
    breaks: ['ROB-MALFORMED', 'ROB-METHOD', 'ROB-VERB'],
    needs: ['ac-port'],
  },
  {
    name: 'task-path-prefix',
    description:
      "the Task Interface is mounted on /api/v2/task as a prefix (Express's app.use): a call posted to /api/v2/task/case_cancel is processed",
    breaks: ['ROB-VERB'],
    needs: ['ac-port'],
  },
  {
    name: 'get-answered',
    description: 'GET on /api/v2/task answers 200',
    breaks: ['ROB-VERB'],
    needs: ['ac-port'],
  },
  // Deviations that no hand-picked example is likely to meet: the properties of features/fuzz.feature catch them.
  {
    name: 'bin-band-refused',
    description:
      'bin ids 2097152-2162687 (from 2^21, a band in the middle of the range) are refused with 1010',
    breaks: ['PARAM-1010-RANGE'],
    needs: ['ac-port'],
  },
  {
    name: 'port-high-missing',
    description: 'existing ports 1025-1999 answer 1000 as if they did not exist',
    breaks: ['CC-1000'],
    needs: ['port-1025-1999'],
  },
  {
    name: 'success-clears-all-errors',
    description: "a successful cancel clears the error flag of every AutoCase port, not only its own port's",
    breaks: ['CC-EFFECT-KEEP'],
    needs: ['success'],
  },
  {
    name: 'cancel-forgets-previous-bin',
    description:
      'a successful cancel clears the selected bin of the port cancelled successfully just before it',
    breaks: ['CC-EFFECT-KEEP'],
    needs: ['success'],
  },
] as const satisfies readonly {
  name: string;
  description: string;
  breaks: readonly string[];
  needs: readonly Need[];
}[];

export type DeviationName = (typeof DEVIATIONS)[number]['name'];

/** The deviations a running emulator has switched on; empty for the faithful emulator. */
export type Deviations = ReadonlySet<DeviationName>;

export const NO_DEVIATIONS: Deviations = new Set();

const NAMES: ReadonlySet<string> = new Set(DEVIATIONS.map((deviation) => deviation.name));

function isDeviationName(name: string): name is DeviationName {
  return NAMES.has(name);
}

/** Reads deviation names, each entry possibly comma-separated; throws on an unknown name, listing the known ones. */
export function parseDeviations(entries: readonly string[]): Deviations {
  const active = new Set<DeviationName>();
  for (const entry of entries) {
    for (const raw of entry.split(',')) {
      const name = raw.trim();
      if (name === '') continue;
      if (!isDeviationName(name)) {
        throw new Error(`unknown deviation '${name}'; known: ${[...NAMES].join(', ')}`);
      }
      active.add(name);
    }
  }
  return active;
}
