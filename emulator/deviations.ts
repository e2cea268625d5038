// Deliberate misbehaviours, one realistic bug each, so that the harness can prove it catches them.
// The emulator consults the active set at the one point each deviation concerns; see docs/emulator.md.

export const DEVIATIONS = [
  { name: 'code-1000-wrong', description: 'a port that does not exist answers 1001', breaks: ['CC-1000'] },
  {
    name: 'code-1087-wrong',
    description: 'a port that is not an AutoCase port answers 1000',
    breaks: ['CC-1087'],
  },
  { name: 'code-1099-wrong', description: 'a port whose mode is not OPEN answers 1009', breaks: ['CC-1099'] },
  {
    name: 'code-1149-wrong',
    description: "a bin_id other than the port's selected bin answers 1150",
    breaks: ['CC-1149-OTHER'],
  },
  { name: 'code-1152-wrong', description: 'no active AutoCase operation answers 1153', breaks: ['CC-1152'] },
  {
    name: 'code-1153-wrong',
    description: 'an active operation without error answers 1152',
    breaks: ['CC-1153'],
  },
  { name: 'code-1003-wrong', description: 'a missing port_id answers 1004', breaks: ['PARAM-1003'] },
  {
    name: 'code-1004-wrong',
    description: 'an invalid port_id answers 1003',
    breaks: ['PARAM-1004-RANGE', 'PARAM-1004-FORMAT'],
  },
  {
    name: 'code-1010-wrong',
    description: 'an invalid bin_id answers 1004',
    breaks: ['PARAM-1010-RANGE', 'PARAM-1010-FORMAT'],
  },
  {
    name: 'skip-mode-check',
    description: 'the port mode is never checked (never 1099)',
    breaks: ['CC-1099'],
  },
  {
    name: 'skip-error-check',
    description: 'an active operation without error is cancelled (never 1153)',
    breaks: ['CC-1153'],
  },
  {
    name: 'skip-no-bin-check',
    description: 'a port with no bin selected does not answer 1149: the cancel goes ahead',
    breaks: ['CC-1149-NONE'],
  },
  {
    name: 'order-type-mode',
    description: 'the port mode is checked before the port type',
    breaks: ['ORDER'],
  },
  { name: 'order-port-bin-params', description: 'bin_id is checked before port_id', breaks: ['ORDER'] },
  { name: 'port-max-off-by-one', description: 'port_id 2000 is refused with 1004', breaks: ['PARAM-BOUNDS'] },
  {
    name: 'port-min-off-by-one',
    description: 'port_id 0 is accepted and goes on to the port lookup',
    breaks: ['PARAM-1004-RANGE'],
  },
  { name: 'bin-max-off-by-one', description: 'bin_id 4000001 is accepted', breaks: ['PARAM-1010-RANGE'] },
  { name: 'bin-min-off-by-one', description: 'bin_id 1 is refused with 1010', breaks: ['PARAM-BOUNDS'] },
  {
    name: 'refuse-leading-zeros',
    description: 'XML integers with a sign or leading zeros (+4, 0004) are refused (1004 / 1010)',
    breaks: ['PARAM-LITERALS'],
  },
  {
    name: 'refuse-whitespace',
    description: 'XML integers with surrounding whitespace ( 4 ) are refused (1004 / 1010)',
    breaks: ['PARAM-LITERALS'],
  },
  {
    name: 'accept-json-string',
    description: 'a JSON string of digits ("4") is accepted as the integer',
    breaks: ['PARAM-1004-FORMAT', 'PARAM-1010-FORMAT'],
  },
  {
    name: 'accept-decimal-literal',
    description: 'XML decimal literals with an integral value (4.0, 101337.0) are accepted',
    breaks: ['PARAM-1004-FORMAT', 'PARAM-1010-FORMAT'],
  },
  { name: 'missing-bin-1003', description: 'a missing bin_id answers 1003', breaks: ['PARAM-1010-MISSING'] },
  {
    name: 'success-state-kept',
    description: 'a successful cancel leaves case_state as it was',
    breaks: ['CC-EFFECT-STATE'],
  },
  {
    name: 'success-error-kept',
    description: 'a successful cancel leaves case_error true',
    breaks: ['CC-EFFECT-STATE'],
  },
  {
    name: 'success-clears-bin',
    description: 'a successful cancel clears selected_bin',
    breaks: ['CC-EFFECT-KEEP'],
  },
  {
    name: 'success-closes-port',
    description: 'a successful cancel sets the mode CLOSED',
    breaks: ['CC-EFFECT-KEEP'],
  },
  {
    name: 'success-no-log',
    description: 'a successful cancel publishes no Log Publisher line',
    breaks: ['CC-EFFECT-LOG'],
  },
  {
    name: 'success-wrong-log',
    description: 'a successful cancel publishes AC,<port_id>,<bin_id>,CR instead of NOOP',
    breaks: ['CC-EFFECT-LOG'],
  },
  {
    name: 'xml-root-wrong',
    description: 'XML answers use the root element methodresponse',
    breaks: ['ENV-XML'],
  },
  {
    name: 'xml-no-params',
    description: 'an XML success answer is <response/> without <params/>',
    breaks: ['ENV-XML'],
  },
  {
    name: 'xml-fault-string',
    description: 'an XML fault is <fault><faultCode>N</faultCode></fault>',
    breaks: ['ENV-XML'],
  },
  { name: 'xml-no-declaration', description: 'XML answers have no XML declaration', breaks: ['ENV-XML'] },
  { name: 'json-code-string', description: 'a JSON fault code is a string ("1152")', breaks: ['ENV-JSON'] },
  {
    name: 'json-params-null',
    description: 'an empty JSON success answer is {"params": null}',
    breaks: ['ENV-JSON'],
  },
  {
    name: 'json-answered-xml',
    description: 'JSON requests are answered in XML',
    breaks: ['ENV-JSON', 'HTTP-CONTENT-TYPE'],
  },
  {
    name: 'json-response-wrapped',
    description: 'JSON answers are wrapped in {"response": ...}',
    breaks: ['ENV-JSON'],
  },
  {
    name: 'code-out-of-range',
    description: 'fault codes leak without their 1000 offset (1152 is answered as 152)',
    breaks: ['ENV-CODE-RANGE'],
  },
  {
    name: 'fault-http-400',
    description: 'faults travel with HTTP 400 instead of 200',
    breaks: ['HTTP-STATUS'],
  },
  {
    name: 'content-type-text-plain',
    description: 'answers carry Content-Type text/plain',
    breaks: ['HTTP-CONTENT-TYPE'],
  },
  {
    name: 'refuse-text-plain-request',
    description: 'a request declared text/plain is answered 415',
    breaks: ['REQ-FORMS'],
  },
  {
    name: 'refuse-standalone',
    description: 'an XML request declaring standalone="yes" is answered 400',
    breaks: ['REQ-FORMS'],
  },
  {
    name: 'drop-on-malformed',
    description: 'malformed XML makes the emulator destroy the connection without an answer',
    breaks: ['ROB-MALFORMED'],
  },
  {
    name: 'malformed-200',
    description: 'malformed XML or JSON is answered HTTP 200 with fault 1003',
    breaks: ['ROB-MALFORMED'],
  },
  { name: 'doctype-500', description: 'a DOCTYPE is answered HTTP 500', breaks: ['ROB-DOCTYPE'] },
  {
    name: 'entity-expanded',
    description: 'internal entities declared in a DOCTYPE are expanded and the call is processed',
    breaks: ['ROB-DOCTYPE'],
  },
  {
    name: 'unknown-method-fault',
    description: 'an unknown method is answered HTTP 200 with fault 1000',
    breaks: ['ROB-METHOD'],
  },
  {
    name: 'oversize-accepted',
    description: 'bodies over 1 MiB are read and processed',
    breaks: ['ROB-SIZE'],
  },
  { name: 'get-answered', description: 'GET on /api/v2/task answers 200', breaks: ['ROB-VERB'] },
  // Deviations that no hand-picked example is likely to meet: the properties of features/fuzz.feature catch them.
  {
    name: 'bin-band-refused',
    description:
      'bin ids 2097152-2162687 (from 2^21, a band in the middle of the range) are refused with 1010',
    breaks: ['PARAM-1010-RANGE'],
  },
  {
    name: 'port-high-missing',
    description: 'existing ports 1025-1999 answer 1000 as if they did not exist',
    breaks: ['CC-1000'],
  },
  {
    name: 'cancel-forgets-previous-bin',
    description:
      'a successful cancel clears the selected bin of the port cancelled successfully just before it',
    breaks: ['CC-EFFECT-KEEP'],
  },
] as const satisfies readonly { name: string; description: string; breaks: readonly string[] }[];

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
