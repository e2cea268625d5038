#!/usr/bin/env node
// An independent controller for the case_cancel conformance harness, written from the specification
// pages alone (docs/spec/*.md and docs/rig-control.md), without the emulator's or the harness's
// code. Plain JavaScript, node:http and node:net only. It serves three things, each on a listener of its own:
//   - the Task Interface: POST /api/v2/task (XML and JSON): case_cancel, case_extract, case_getstate,
//     getportstatus, openport, closeport, openbin, closebin;
//   - the rig control API under a base path of its own (default /ctl/rig), on a separate listener
//     (POST /batch only with --batch);
//   - the Log Publisher: a TCP stream of CRLF-terminated lines, published --log-delay ms after the decision.
// Usage: node independent-controller.mjs [--task-port=N] [--rig-port=N | --no-rig] [--log-port=N] [--batch]
//        [--token=T] [--rig-base=/path] [--site=FILE] [--log-delay=MS] [--answer-delay=MS] [variant flags]
//        [--deviate=NAME[,NAME...]]
// Variant flags (all within the spec's latitude; see the option list below): --log-before, --events-lag=MS,
// --put-publishes, --noise, --close-every=N, --chunked, --compact, --odd-refusals, --rig-keep-alive=MS,
// --extra-fields, --odd-ints, --close-framing, --heartbeat, --ct-params, --rig-404-empty, --float-codes,
// --code-ws, --task-keep-alive=MS, --jitter=MS, --rig-unknown=STATUS, --xml-exotic; and, from a review of what the
// rig contract allows (2026-12-03): --reset-publishes, --delete-publishes, --put-bm, --put-path, --advance=MS,
// --idle-close=MS, --subscribe-delay=MS, --lf-only, --coalesce=MS, --greeting[=TEXT], --snapshot; and, from a review
// of what HTTP lets a server send, --interim-continue; and --cancel-signal (a success publishes the documented CR
// signal before its NOOP line, as an outside controller written from the documents did).
// Every variant alone and in combination gives all PASSED with a rig, @fuzz too, but --advance below about 400 ms (an
// AutoCase that moves by itself while a scenario reads it) and --idle-close (a scenario whose stream closes while it runs
// is INCONCLUSIVE; the next connects again).
// --put-publishes with a --log-delay above 0 (a line a rig PUT causes, published after the PUT answered) failed 116
// of 311 scenarios until the harness took such a line for the arrangement's, and --reset-publishes, --put-bm and
// --put-path late failed 69, 88 and 51, --delete-publishes the fuzz sequences (docs/certification.md);
// test/e2e/independent-controller.test.ts runs them.
// --deviate=NAME[,NAME...] makes it deviate from the specification in small ways (DEVIATIONS below), to check that
// the harness catches a deviation in a controller other than its own emulator. Without it nothing changes.
// It prints one JSON line with the URLs once it listens.

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

// ---------------------------------------------------------------------------------------------------
// Options

const opts = {
  taskPort: 0,
  rigPort: 0,
  logPort: 0,
  batch: false,
  token: process.env.INDEP_RIG_TOKEN || '',
  rigBase: '/ctl/rig',
  site: '',
  logDelay: 12,
  answerDelay: 3,
  host: '127.0.0.1',
  // Wording and timing variants, all within the spec's latitude (see the report of f982c27's branch):
  logBefore: false, // publish at the decision, before the (delayed) answer goes out
  eventsLag: null, // GET /events gets a line this many ms after it is decided (null: when it is on the stream)
  putPublishes: false, // a rig PUT that gives an AutoCase port a state publishes it, as the controller would report it
  noise: false, // lines about a port and bins no scenario names, all through the run
  closeEvery: 0, // Connection: close on every Nth answer
  chunked: false, // answers without Content-Length
  compact: false, // XML answers without whitespace, JSON without whitespace
  oddRefusals: false, // other fitting 4xx where the spec allows any: 422 for a DOCTYPE, 400 for an oversize body
  rigKeepAlive: 5000,
  extraFields: false, // getportstatus and case_getstate answer fields besides the decided ones
  oddInts: false, // integers in those answers written as other literals of the same value (0101337, +4; 101337.0 in JSON)
  closeFraming: false, // answers framed by closing the connection (no Content-Length, no chunking)
  heartbeat: false, // the Log Publisher also sends heartbeat lines and empty lines
  ctParams: false, // a media type parameter besides charset on every answer
  rig404Empty: false, // the rig's 404 for a missing port has no body
  floatCodes: false, // a JSON fault code written 1152.0 (a JSON number of integral value)
  codeWs: false, // an XML fault code with whitespace around it inside <code>
  taskKeepAlive: 750,
  jitter: 0, // up to this many ms more on each answer, at random
  rigUnknown: 404, // the status the rig answers to a path it does not serve
  xmlExotic: false, // comments and a PI around and inside the XML answer, the fault code in CDATA, char refs
  deviate: new Set(), // names of DEVIATIONS to play (none: the controller as specified)
  // Added by the review (rt2): further behaviours the documents leave open.
  resetPublishes: false, // POST /reset publishes the restored AC ports' states (after emptying the log), via publish()
  deletePublishes: false, // a rig DELETE of an AC port publishes AC,<port>,0,NOOP (the AutoCase went away)
  putBm: false, // a rig PUT that selects a bin publishes BM,<bin>,O (the bin now open at the port)
  putPath: false, // a rig PUT that moves NOOP->ERSO/ECMP publishes the states passed through (EREQ first)
  advance: 0, // an active AutoCase without error moves one state every N ms by itself, published
  idleClose: 0, // the Log Publisher closes a client after N ms without a line sent to it
  subscribeDelay: 0, // a new Log Publisher client gets lines only N ms after it connected
  lfOnly: false, // Log Publisher lines end with LF only
  cancelSignal: false, // a successful cancel publishes AC,<port>,<bin>,CR (the documented cancel signal) before its NOOP
  coalesce: 0, // the Log Publisher writes its lines in one TCP write every N ms
  greeting: '', // a line sent to every new Log Publisher client
  interimContinue: false, // an interim "100 Continue" before the answer to every POST, though nobody sent Expect
  snapshot: false, // every new Log Publisher client first gets the state of every AC port
};

// Small deviations from the specification, each as this controller's own code would plausibly have it.
const DEVIATIONS = {
  'port-max-1999': 'port_id is checked with < 2000: port 2000 answers 1004 (every method)',
  'bin-max-4000001': 'case_cancel checks bin_id <= 4000001: 4000001 passes the range check',
  'order-mode-type': 'case_cancel checks the port mode before the port type',
  'code-1099-as-1009': 'a port not OPEN answers 1009 (the code openbin uses) instead of 1099',
  'success-error-kept': 'a successful cancel sets NOOP but leaves case_error true',
  'success-log-cr': 'a successful cancel publishes AC,<port>,<bin>,CR instead of NOOP',
  'fault-1153-log-late': 'a 1153 (active, no error) publishes AC,<port>,<bin>,CR 100 ms after the answer',
  'fault-http-400': 'application faults travel with HTTP 400',
  'xml-charset-latin1': 'XML answers carry Content-Type application/xml; charset=ISO-8859-1',
  'json-string-int': 'a JSON string of digits ("4") is read as the integer',
  'xml-no-leading-zeros': 'XML integers with leading zeros (0004) are invalid',
  'unknown-method-cancel': 'an unknown method name falls back to case_cancel',
  'get-200': 'GET on the task path answers 200 (a health check)',
  'order-error-active': 'case_cancel checks the error flag (1153) before an active operation (1152)',
  'active-not-noop': 'an operation counts as active in every state but NOOP (ECMP and ICMP too)',
  'fault-1152-clears-error': 'a 1152 clears a stale case_error flag as it answers',
  'bin-compared-as-text':
    'bin_id is compared with the selected bin as text: 0101337 or 101337.0 answers 1149',
  'xml-trim-unicode': 'XML parameter text is trimmed with String.prototype.trim (no-break space, U+2003 too)',
  'xml-dup-last-wins': 'an XML parameter given twice takes its last value',
  'json-params-positional': 'a JSON params array is read as [port_id, bin_id]',
  'xml-params-flat': 'an XML call without <params> has its parameters read from the children of <methodcall>',
  'json-params-top-level': 'a JSON call without "params" has its parameters read from the top-level members',
  'error-flag-global-clear':
    'a successful cancel clears case_error on every AutoCase port (one flag, not one a port)',
  'success-log-twice': 'a successful cancel publishes its NOOP line twice',
  'fault-publishes-state':
    'a fault on an AutoCase port publishes the port state as it stands (AC,<port>,<selected bin>,<state>)',
};
const dev = (name) => opts.deviate.has(name);
for (const a of process.argv.slice(2)) {
  const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`unknown argument ${a}`);
  const [, k, v] = m;
  if (k === 'task-port') opts.taskPort = Number(v);
  else if (k === 'rig-port') opts.rigPort = Number(v);
  else if (k === 'log-port') opts.logPort = Number(v);
  else if (k === 'batch') opts.batch = v === undefined || v === '1' || v === 'true';
  else if (k === 'token') opts.token = v ?? '';
  else if (k === 'rig-base') opts.rigBase = (v ?? '').replace(/\/+$/, '');
  else if (k === 'site') opts.site = v ?? '';
  else if (k === 'log-delay') opts.logDelay = Number(v);
  else if (k === 'answer-delay') opts.answerDelay = Number(v);
  else if (k === 'no-rig') opts.rigPort = -1;
  else if (k === 'log-before') opts.logBefore = true;
  else if (k === 'events-lag') opts.eventsLag = Number(v);
  else if (k === 'put-publishes') opts.putPublishes = true;
  else if (k === 'noise') opts.noise = true;
  else if (k === 'close-every') opts.closeEvery = Number(v);
  else if (k === 'chunked') opts.chunked = true;
  else if (k === 'compact') opts.compact = true;
  else if (k === 'odd-refusals') opts.oddRefusals = true;
  else if (k === 'rig-keep-alive') opts.rigKeepAlive = Number(v);
  else if (k === 'extra-fields') opts.extraFields = true;
  else if (k === 'odd-ints') opts.oddInts = true;
  else if (k === 'close-framing') opts.closeFraming = true;
  else if (k === 'heartbeat') opts.heartbeat = true;
  else if (k === 'ct-params') opts.ctParams = true;
  else if (k === 'rig-404-empty') opts.rig404Empty = true;
  else if (k === 'float-codes') opts.floatCodes = true;
  else if (k === 'code-ws') opts.codeWs = true;
  else if (k === 'task-keep-alive') opts.taskKeepAlive = Number(v);
  else if (k === 'jitter') opts.jitter = Number(v);
  else if (k === 'rig-unknown') opts.rigUnknown = Number(v);
  else if (k === 'xml-exotic') opts.xmlExotic = true;
  else if (k === 'reset-publishes') opts.resetPublishes = true;
  else if (k === 'delete-publishes') opts.deletePublishes = true;
  else if (k === 'put-bm') opts.putBm = true;
  else if (k === 'put-path') opts.putPath = true;
  else if (k === 'advance') opts.advance = Number(v);
  else if (k === 'cancel-signal') opts.cancelSignal = true;
  else if (k === 'idle-close') opts.idleClose = Number(v);
  else if (k === 'subscribe-delay') opts.subscribeDelay = Number(v);
  else if (k === 'lf-only') opts.lfOnly = true;
  else if (k === 'coalesce') opts.coalesce = Number(v);
  else if (k === 'greeting') opts.greeting = v ?? 'AutoStore Log Publisher';
  else if (k === 'snapshot') opts.snapshot = true;
  else if (k === 'interim-continue') opts.interimContinue = true;
  else if (k === 'deviate') {
    for (const d of (v ?? '').split(',').filter(Boolean)) {
      if (!Object.hasOwn(DEVIATIONS, d)) throw new Error(`unknown deviation ${d}`);
      opts.deviate.add(d);
    }
  } else throw new Error(`unknown option --${k}`);
}

// ---------------------------------------------------------------------------------------------------
// The site

const TYPES = ['AC', 'CO', 'ECO', 'CA', 'VE', 'SW', 'RE', 'TC', 'FU', 'MU', 'PI', 'GL'];
const MODES = [
  'CLOSED',
  'OPEN',
  'AUTO',
  'INSERT',
  'SWAP',
  'SEQUENCE',
  'DISABLED',
  'MULTIPORT_PUPPET',
  'RUNOUT',
];
const STATES = ['NOOP', 'EREQ', 'ERSO', 'ECMP', 'IREQ', 'IRTR', 'ICRC', 'ICIN', 'ICMP'];
const ACTIVE = new Set(['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN']);

// Our own configured site: a mix of ports, enough for a harness that judges it as found.
const DEFAULT_SITE = {
  1: { type: 'AC', mode: 'OPEN', selected_bin: 3232, case_state: 'NOOP', case_error: false },
  2: { type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', case_error: false },
  3: { type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  4: { type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'NOOP', case_error: false },
  5: { type: 'AC', mode: 'OPEN', selected_bin: 5001, case_state: 'ECMP', case_error: false },
  6: { type: 'AC', mode: 'INSERT', selected_bin: 6001, case_state: 'NOOP', case_error: false },
  7: { type: 'CO', mode: 'OPEN', selected_bin: 7007, case_state: 'NOOP', case_error: false },
  8: { type: 'VE', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  9: { type: 'AC', mode: 'AUTO', selected_bin: null, case_state: 'NOOP', case_error: false },
  10: { type: 'AC', mode: 'OPEN', selected_bin: 777, case_state: 'ICMP', case_error: false },
  11: { type: 'AC', mode: 'OPEN', selected_bin: 4000000, case_state: 'NOOP', case_error: false },
  12: { type: 'AC', mode: 'OPEN', selected_bin: 1, case_state: 'NOOP', case_error: false },
  13: { type: 'AC', mode: 'OPEN', selected_bin: 130013, case_state: 'IRTR', case_error: true },
  14: { type: 'CO', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  1500: { type: 'AC', mode: 'AUTO', selected_bin: 3999999, case_state: 'NOOP', case_error: false },
  20: { type: 'CA', mode: 'OPEN', selected_bin: null, case_state: 'NOOP', case_error: false },
  21: { type: 'SW', mode: 'SWAP', selected_bin: null, case_state: 'NOOP', case_error: false },
  22: { type: 'RE', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  23: { type: 'TC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  24: { type: 'FU', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  25: { type: 'MU', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  26: { type: 'PI', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  27: { type: 'GL', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  28: { type: 'ECO', mode: 'OPEN', selected_bin: null, case_state: 'NOOP', case_error: false },
  30: { type: 'AC', mode: 'SWAP', selected_bin: null, case_state: 'NOOP', case_error: false },
  31: { type: 'AC', mode: 'SEQUENCE', selected_bin: null, case_state: 'NOOP', case_error: false },
  32: { type: 'AC', mode: 'DISABLED', selected_bin: null, case_state: 'NOOP', case_error: false },
  33: { type: 'AC', mode: 'MULTIPORT_PUPPET', selected_bin: null, case_state: 'NOOP', case_error: false },
  34: { type: 'AC', mode: 'RUNOUT', selected_bin: null, case_state: 'NOOP', case_error: false },
  2000: { type: 'AC', mode: 'OPEN', selected_bin: 424242, case_state: 'NOOP', case_error: false },
};

const ADV = Symbol('advance timer');
const NEXT = { EREQ: 'ERSO', ERSO: 'ECMP', IREQ: 'IRTR', IRTR: 'ICRC', ICRC: 'ICIN', ICIN: 'ICMP' };
function scheduleAdvance(id) {
  const p = ports.get(id);
  if (!opts.advance || !p || p.type !== 'AC' || p.case_error || !NEXT[p.case_state]) return;
  clearTimeout(p[ADV]);
  p[ADV] = setTimeout(() => {
    if (ports.get(id) !== p || p.case_error || !NEXT[p.case_state]) return;
    p.case_state = NEXT[p.case_state];
    publish(`AC,${id},${p.selected_bin ?? 0},${p.case_state}`);
    scheduleAdvance(id);
  }, opts.advance);
}
const CONFIGURED = Symbol('configured'); // a port as the site file has it, untouched by the rig
function loadSite() {
  const src = opts.site ? JSON.parse(fs.readFileSync(opts.site, 'utf8')) : DEFAULT_SITE;
  const m = new Map();
  for (const [k, v] of Object.entries(src)) m.set(Number(k), { ...v, [CONFIGURED]: true });
  return m;
}

let ports = loadSite();
let events = [];

// ---------------------------------------------------------------------------------------------------
// The Log Publisher

const subscribers = new Set();
let coalesced = '';
function writeTo(s, bytes) {
  if (s.destroyed) return;
  if (opts.subscribeDelay && performance.now() - s.connectedAt < opts.subscribeDelay) return;
  s.write(bytes);
  if (opts.idleClose) {
    clearTimeout(s.idleTimer);
    s.idleTimer = setTimeout(() => s.end(), opts.idleClose);
  }
}
function toStream(line) {
  const bytes = `${line}${opts.lfOnly ? '\n' : '\r\n'}`;
  if (opts.coalesce) {
    if (coalesced === '')
      setTimeout(() => {
        const all = coalesced;
        coalesced = '';
        for (const s of subscribers) writeTo(s, all);
      }, opts.coalesce);
    coalesced += bytes;
    return;
  }
  for (const s of subscribers) writeTo(s, bytes);
}
function publish(line) {
  // By default lines go out a little after the answer, as if another task of the controller published them;
  // the rig's event log gets each line when it is emitted on the stream (or eventsLag after the decision).
  // A line belongs to the event log from the moment it is emitted: a reset empties what was emitted before
  // it, never a line still on its way (that one is emitted after the reset).
  const toEvents = () => {
    events.push(line);
  };
  if (opts.eventsLag === null) {
    if (opts.logBefore) {
      toEvents();
      toStream(line);
    } else
      setTimeout(() => {
        toEvents();
        toStream(line);
      }, opts.logDelay);
  } else {
    if (opts.eventsLag <= 0) toEvents();
    else setTimeout(toEvents, opts.eventsLag);
    if (opts.logBefore) toStream(line);
    else setTimeout(() => toStream(line), opts.logDelay);
  }
}

const logServer = net.createServer((sock) => {
  sock.connectedAt = performance.now();
  subscribers.add(sock);
  if (opts.idleClose) sock.idleTimer = setTimeout(() => sock.end(), opts.idleClose);
  if (opts.greeting) sock.write(`${opts.greeting}\r\n`);
  if (opts.snapshot)
    for (const [id, p] of ports)
      if (p.type === 'AC') sock.write(`AC,${id},${p.selected_bin ?? 0},${p.case_state}\r\n`);
  if (opts.heartbeat) sock.write('\r\n');
  sock.on('error', () => {});
  sock.on('close', () => subscribers.delete(sock));
  sock.on('data', () => {}); // the stream is one way; anything a client sends is ignored
});

// ---------------------------------------------------------------------------------------------------
// XML: a small, strict, non-validating reader (no DOCTYPE, predefined entities and char refs only)

class NotWellFormed extends Error {}
class Doctype extends Error {}

const NAME_START =
  /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
// XML 1.0 NameChar: a NameStartChar, or one of these (the combining marks U+0300-U+036F tested by code point).
const NAME_CHAR = {
  test: (c) => {
    const code = c.charCodeAt(0);
    return NAME_START.test(c) || /[-.0-9\u00B7\u203F-\u2040]/.test(c) || (code >= 0x300 && code <= 0x36f);
  },
};
const XML_WS = /[ \t\r\n]/;

function checkChars(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13) continue;
    if (c < 0x20 || c === 0xfffe || c === 0xffff)
      throw new NotWellFormed(`character U+${c.toString(16)} not allowed`);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new NotWellFormed('lone surrogate');
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw new NotWellFormed('lone surrogate');
  }
}

function parseXml(src) {
  checkChars(src);
  let i = 0;
  const fail = (why) => {
    throw new NotWellFormed(`${why} at offset ${i}`);
  };
  const ws = () => {
    while (i < src.length && XML_WS.test(src[i])) i++;
  };
  const name = () => {
    if (i >= src.length || !NAME_START.test(src[i])) fail('name expected');
    const s = i;
    i++;
    while (i < src.length && NAME_CHAR.test(src[i])) i++;
    return src.slice(s, i);
  };
  const expect = (lit) => {
    if (!src.startsWith(lit, i)) fail(`'${lit}' expected`);
    i += lit.length;
  };
  const ref = () => {
    // at '&'
    const end = src.indexOf(';', i);
    if (end < 0) fail('unterminated reference');
    const body = src.slice(i + 1, end);
    i = end + 1;
    const pre = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }[body];
    if (pre) return pre;
    let cp;
    if (/^#x[0-9A-Fa-f]+$/.test(body)) cp = Number.parseInt(body.slice(2), 16);
    else if (/^#[0-9]+$/.test(body)) cp = Number.parseInt(body.slice(1), 10);
    else fail(`unknown entity '${body}'`);
    const ok =
      cp === 9 ||
      cp === 10 ||
      cp === 13 ||
      (cp >= 0x20 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) ||
      (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) fail('character reference to a forbidden character');
    return String.fromCodePoint(cp);
  };
  const comment = () => {
    expect('<!--');
    const end = src.indexOf('--', i);
    if (end < 0) fail('unterminated comment');
    if (src[end + 2] !== '>') fail("'--' inside a comment");
    i = end + 3;
  };
  const pi = () => {
    expect('<?');
    const target = name();
    if (target.toLowerCase() === 'xml') fail('XML declaration not at the start');
    const end = src.indexOf('?>', i);
    if (end < 0) fail('unterminated processing instruction');
    if (end > i && !XML_WS.test(src[i])) fail('bad processing instruction');
    i = end + 2;
  };
  const misc = () => {
    for (;;) {
      ws();
      if (src.startsWith('<!--', i)) comment();
      else if (src.startsWith('<?', i)) pi();
      else if (src.startsWith('<!DOCTYPE', i) || src.startsWith('<!ENTITY', i)) throw new Doctype('DOCTYPE');
      else return;
    }
  };
  const attrValue = () => {
    const q = src[i];
    if (q !== '"' && q !== "'") fail('quoted value expected');
    i++;
    let out = '';
    for (;;) {
      if (i >= src.length) fail('unterminated attribute value');
      const c = src[i];
      if (c === q) {
        i++;
        return out;
      }
      if (c === '<') fail("'<' in an attribute value");
      if (c === '&') out += ref();
      else {
        out += c;
        i++;
      }
    }
  };
  const element = () => {
    expect('<');
    const tag = name();
    const attrs = {};
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return { name: tag, attrs, children: [], text: '' };
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('whitespace expected before an attribute');
      const an = name();
      ws();
      expect('=');
      ws();
      const av = attrValue();
      if (Object.hasOwn(attrs, an)) fail(`attribute ${an} given twice`);
      attrs[an] = av;
    }
    const children = [];
    let text = '';
    for (;;) {
      if (i >= src.length) fail(`element ${tag} not closed`);
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        ws();
        expect('>');
        return { name: tag, attrs, children, text };
      }
      if (src.startsWith('<!--', i)) comment();
      else if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i + 9);
        if (end < 0) fail('unterminated CDATA section');
        text += src.slice(i + 9, end);
        i = end + 3;
      } else if (src.startsWith('<!', i)) {
        if (src.startsWith('<!DOCTYPE', i) || src.startsWith('<!ENTITY', i)) throw new Doctype('DOCTYPE');
        fail('markup declaration inside an element');
      } else if (src.startsWith('<?', i)) pi();
      else if (src[i] === '<') children.push(element());
      else if (src[i] === '&') text += ref();
      else {
        if (src.startsWith(']]>', i)) fail("']]>' in content");
        text += src[i];
        i++;
      }
    }
  };

  // XML declaration: only at the very start.
  if (src.startsWith('<?xml') && (src.length === 5 || XML_WS.test(src[5]) || src[5] === '?')) {
    i = 5;
    const seen = [];
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('?>', i)) {
        i += 2;
        break;
      }
      if (i === before) fail('bad XML declaration');
      const an = name();
      ws();
      expect('=');
      ws();
      const av = attrValue();
      seen.push([an, av]);
    }
    const order = seen.map(([k]) => k).join(',');
    if (!/^version(,encoding)?(,standalone)?$/.test(order)) fail('bad XML declaration');
    for (const [k, v] of seen) {
      if (k === 'version' && !/^1\.[0-9]+$/.test(v)) fail('bad version');
      if (k === 'encoding' && !/^[A-Za-z][A-Za-z0-9._-]*$/.test(v)) fail('bad encoding name');
      if (k === 'standalone' && v !== 'yes' && v !== 'no') fail('bad standalone');
    }
  }
  misc();
  if (i >= src.length || src[i] !== '<') fail('root element expected');
  const root = element();
  misc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

// ---------------------------------------------------------------------------------------------------
// JSON: a strict reader that keeps each number's literal, so that 4.0 and 4.00000000000000000001 differ

class BadJson extends Error {}

function parseJson(src) {
  let i = 0;
  const fail = (why) => {
    throw new BadJson(`${why} at offset ${i}`);
  };
  const ws = () => {
    while (i < src.length && (src[i] === ' ' || src[i] === '\t' || src[i] === '\n' || src[i] === '\r')) i++;
  };
  const value = (depth) => {
    if (depth > 200) fail('too deep');
    ws();
    const c = src[i];
    if (c === '{') {
      i++;
      const obj = new Map();
      ws();
      if (src[i] === '}') {
        i++;
        return { kind: 'object', map: obj };
      }
      for (;;) {
        ws();
        if (src[i] !== '"') fail('key expected');
        const k = string();
        ws();
        if (src[i] !== ':') fail("':' expected");
        i++;
        obj.set(k, value(depth + 1));
        ws();
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === '}') {
          i++;
          return { kind: 'object', map: obj };
        }
        fail("',' or '}' expected");
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (src[i] === ']') {
        i++;
        return { kind: 'array', items: arr };
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === ']') {
          i++;
          return { kind: 'array', items: arr };
        }
        fail("',' or ']' expected");
      }
    }
    if (c === '"') return { kind: 'string', value: string() };
    if (src.startsWith('true', i)) {
      i += 4;
      return { kind: 'bool', value: true };
    }
    if (src.startsWith('false', i)) {
      i += 5;
      return { kind: 'bool', value: false };
    }
    if (src.startsWith('null', i)) {
      i += 4;
      return { kind: 'null' };
    }
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i, i + 4096));
    if (!m || m[0] === '' || m[0] === '-') fail('value expected');
    i += m[0].length;
    return { kind: 'number', raw: m[0] };
  };
  const string = () => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= src.length) fail('unterminated string');
      const c = src[i];
      const code = src.charCodeAt(i);
      if (c === '"') {
        i++;
        return out;
      }
      if (code < 0x20) fail('control character in a string');
      if (c === '\\') {
        const e = src[i + 1];
        const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
        if (simple !== undefined) {
          out += simple;
          i += 2;
        } else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(src.slice(i + 2, i + 6))) {
          out += String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('bad escape');
      } else {
        out += c;
        i++;
      }
    }
  };
  const v = value(0);
  ws();
  if (i !== src.length) fail('content after the value');
  return v;
}

// The exact value of a JSON number literal when it is an integer, else null. BigInt: no rounding.
function jsonInteger(raw) {
  const m = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(raw);
  if (!m) return null;
  let digits = m[2] + (m[3] ?? '');
  let exp = (m[4] ? Number.parseInt(m[4], 10) : 0) - (m[3]?.length ?? 0);
  digits = digits.replace(/^0+/, '');
  if (digits === '') return 0n;
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  if (exp < 0) return null; // a fraction, however small
  if (digits.length + exp > 30) return (m[1] ? -1n : 1n) * 10n ** 30n; // far out of every range
  const v = BigInt(digits) * 10n ** BigInt(exp);
  return m[1] ? -v : v;
}

// ---------------------------------------------------------------------------------------------------
// A call, read into one form for both encodings

class Refusal extends Error {
  constructor(status, why) {
    super(why);
    this.status = status;
  }
}

// A parameter as read: { present: false } | { present: true, int: BigInt|null, list?: [...] }
function xmlParams(root) {
  let pEls = root.children.filter((c) => c.name === 'params');
  const out = new Map();
  if (pEls.length === 0 && dev('xml-params-flat'))
    pEls = [{ children: root.children.filter((c) => c.name !== 'name') }];
  if (pEls.length === 0) return null;
  const counts = new Map();
  for (const el of pEls[0].children) counts.set(el.name, (counts.get(el.name) ?? 0) + 1);
  for (const el of pEls[0].children) {
    const twice = counts.get(el.name) > 1 && !dev('xml-dup-last-wins');
    const t = dev('xml-trim-unicode') ? el.text.trim() : el.text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    let int = null;
    const intRe = dev('xml-no-leading-zeros') ? /^[+-]?(?:0|[1-9][0-9]*)$/ : /^[+-]?[0-9]+$/;
    if (!twice && el.children.length === 0 && intRe.test(t)) {
      const v = BigInt(t);
      if (v >= -2147483648n && v <= 2147483647n) int = v;
    }
    out.set(el.name, {
      int,
      text: twice || el.children.length ? null : t,
      children: twice
        ? null
        : el.children.map((c) => ({ name: c.name, text: c.text.trim(), leaf: c.children.length === 0 })),
    });
  }
  return out;
}

function jsonParams(v) {
  if (dev('json-params-positional') && v?.kind === 'array')
    v = { kind: 'object', map: new Map(v.items.slice(0, 2).map((it, n) => [['port_id', 'bin_id'][n], it])) };
  if (v?.kind !== 'object') return null;
  const out = new Map();
  for (const [k, pv] of v.map) {
    let int = null;
    if (pv.kind === 'number') int = jsonInteger(pv.raw);
    else if (dev('json-string-int') && pv.kind === 'string' && /^[0-9]+$/.test(pv.value))
      int = BigInt(pv.value);
    out.set(k, {
      int,
      text: pv.kind === 'string' ? pv.value : pv.kind === 'number' ? pv.raw : null,
      json: pv,
    });
  }
  return out;
}

function readCall(req, body) {
  const enc = req.headers['content-encoding'];
  if (enc && enc.trim().toLowerCase() !== 'identity')
    throw new Refusal(415, `content-encoding ${enc} is not taken`);
  const ctRaw = req.headers['content-type'] ?? '';
  const [mediaRaw, ...paramParts] = ctRaw.split(';');
  const media = mediaRaw.trim().toLowerCase();
  let charset = null;
  for (const p of paramParts) {
    const m = /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(p);
    if (m) charset = m[1].toLowerCase();
  }
  let kind;
  if (media === 'application/json' || media.endsWith('+json')) kind = 'json';
  else if (media === 'application/xml' || media === 'text/xml' || media.endsWith('+xml')) kind = 'xml';
  else {
    // Any other type, or none: look at the body.
    let k = 0;
    if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) k = 3;
    while (k < body.length && (body[k] === 0x20 || body[k] === 0x09 || body[k] === 0x0a || body[k] === 0x0d))
      k++;
    if (body[k] === 0x3c) kind = 'xml';
    else if (body[k] === 0x7b || body[k] === 0x5b) kind = 'json';
    else throw new Refusal(400, 'the body is neither XML nor JSON');
  }
  return kind === 'json' ? readJsonCall(body, charset) : readXmlCall(body, charset);
}

function decodeUtf8(buf) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    throw new Refusal(400, 'the body is not valid UTF-8');
  }
}

function readJsonCall(body, charset) {
  if (charset && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii')
    throw new Refusal(415, `charset ${charset} is not taken for JSON`);
  let v;
  try {
    v = parseJson(decodeUtf8(body));
  } catch (e) {
    if (e instanceof Refusal) throw e;
    throw new Refusal(400, `not JSON: ${e.message}`);
  }
  if (v.kind !== 'object') throw new Refusal(400, 'a call is a JSON object');
  const m = v.map.get('method');
  if (m?.kind !== 'string') throw new Refusal(400, 'no method named');
  return {
    encoding: 'json',
    method: m.value,
    params: v.map.has('params')
      ? jsonParams(v.map.get('params'))
      : dev('json-params-top-level')
        ? jsonParams(v)
        : null,
  };
}

function readXmlCall(body, charset) {
  // The declaration's encoding wins, then the Content-Type charset, then UTF-8.
  let start = 0;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) start = 3;
  const head = body.subarray(start, start + 200).toString('latin1');
  let enc = null;
  const decl = /^<\?xml[ \t\r\n][^?]*?encoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)["']/.exec(head);
  if (decl) enc = decl[1].toLowerCase();
  else if (charset) enc = charset;
  else enc = 'utf-8';
  let text;
  if (enc === 'utf-8' || enc === 'utf8' || enc === 'us-ascii' || enc === 'ascii')
    text = decodeUtf8(body.subarray(start));
  else if (enc === 'iso-8859-1' || enc === 'latin1' || enc === 'iso_8859-1' || enc === 'l1') {
    if (start) throw new Refusal(400, 'a UTF-8 byte order mark on an ISO-8859-1 document');
    text = body.toString('latin1');
  } else throw new Refusal(415, `character encoding ${enc} is not taken`);
  let root;
  try {
    root = parseXml(text);
  } catch (e) {
    if (e instanceof Doctype)
      throw new Refusal(opts.oddRefusals ? 422 : 400, 'DOCTYPE and entity declarations are refused');
    throw new Refusal(400, `not well-formed XML: ${e.message}`);
  }
  if (root.name !== 'methodcall') throw new Refusal(400, `root element <${root.name}> is not <methodcall>`);
  const names = root.children.filter((c) => c.name === 'name');
  if (names.length !== 1 || names[0].children.length)
    throw new Refusal(400, 'exactly one <name> with the method is needed');
  const method = names[0].text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  return { encoding: 'xml', method, params: xmlParams(root) };
}

// ---------------------------------------------------------------------------------------------------
// The methods

class Fault extends Error {
  constructor(code) {
    super(String(code));
    this.code = code;
  }
}

// An integer parameter: undefined when missing; throws `code` when invalid or out of range.
function intParam(params, key, lo, hi, code) {
  if (!params?.has(key)) return undefined;
  const p = params.get(key);
  if (p.int === null || p.int < BigInt(lo) || p.int > BigInt(hi)) throw new Fault(code);
  return Number(p.int);
}
function portIdOf(call) {
  const v = intParam(call.params, 'port_id', 1, dev('port-max-1999') ? 1999 : 2000, 1004);
  if (v === undefined) throw new Fault(1003);
  return v;
}
function existing(id) {
  const p = ports.get(id);
  if (!p) throw new Fault(1000);
  return p;
}

const METHODS = {
  case_cancel(call) {
    if (opts.deviate.size) return deviantCancel(call);
    const portId = portIdOf(call);
    const binId = intParam(call.params, 'bin_id', 1, 4000000, 1010);
    if (binId === undefined) throw new Fault(1010);
    const port = existing(portId);
    if (port.type !== 'AC') throw new Fault(1087);
    if (port.mode !== 'OPEN') throw new Fault(1099);
    if (port.selected_bin !== binId) throw new Fault(1149);
    if (!ACTIVE.has(port.case_state)) throw new Fault(1152);
    if (!port.case_error) throw new Fault(1153);
    port.case_state = 'NOOP';
    port.case_error = false;
    if (opts.cancelSignal) publish(`AC,${portId},${binId},CR`);
    publish(`AC,${portId},${binId},NOOP`);
    return [];
  },
  case_extract(call) {
    const portId = portIdOf(call);
    const binId = intParam(call.params, 'bin_id', 1, 4000000, 1010);
    if (binId === undefined) throw new Fault(1010);
    const port = existing(portId);
    if (port.type !== 'AC') throw new Fault(1087);
    if (port.mode !== 'OPEN') throw new Fault(1099);
    if (port.selected_bin !== binId) throw new Fault(1149);
    if (ACTIVE.has(port.case_state)) return []; // already busy: left as it is
    port.case_state = 'EREQ';
    port.case_error = false;
    publish(`AC,${portId},${binId},EREQ`);
    scheduleAdvance(portId);
    return [];
  },
  case_getstate(call) {
    const portId = portIdOf(call);
    const port = existing(portId);
    if (port.type !== 'AC') throw new Fault(1087);
    // Our own order of members: state first.
    const out = [['case_state', port.case_state]];
    if (port.selected_bin !== null) out.push(['bin_id', port.selected_bin]);
    out.push(['port_id', portId]);
    if (opts.extraFields) out.push(['case_timestamp', '2026-04-01T00:00:00Z']);
    return out;
  },
  getportstatus(call) {
    const portId = portIdOf(call);
    const port = existing(portId);
    const out = [
      ['port_type', port.type],
      ['port_mode', port.mode],
    ];
    if (port.selected_bin !== null) out.push(['selected_bin', port.selected_bin]);
    out.push(['port_id', portId]);
    if (opts.extraFields) out.push(['port_error', 0], ['port_name', `Port ${portId}`], ['bins_in_queue', 0]);
    return out;
  },
  closeport(call) {
    const portId = portIdOf(call);
    const port = existing(portId);
    port.mode = 'CLOSED';
    port.selected_bin = null;
    return [];
  },
  openport(call) {
    const portId = portIdOf(call);
    const sel = selectList(call);
    let mode = null;
    if (call.params?.has('port_mode')) {
      mode = String(call.params.get('port_mode').text ?? '').toUpperCase();
      if (!['INSERT', 'OPEN', 'SWAP', 'SEQUENCE', 'RUNOUT'].includes(mode)) throw new Fault(1005);
    }
    if (call.params?.has('req_time')) {
      const t = call.params.get('req_time').text ?? '';
      const d = Date.parse(t);
      if (
        !/^\d{4}-\d\d-\d\dT/.test(t) ||
        Number.isNaN(d) ||
        d < Date.UTC(1971, 0, 1) ||
        d > Date.UTC(2038, 0, 18)
      )
        throw new Fault(1008);
    }
    if (mode === null) mode = sel ? 'OPEN' : 'INSERT';
    if ((mode === 'OPEN' || mode === 'SWAP') && !sel) throw new Fault(1007);
    const port = existing(portId);
    if (port.mode !== 'CLOSED') throw new Fault(1002);
    port.mode = mode;
    return [];
  },
  openbin(call) {
    const portId = portIdOf(call);
    let binId = intParam(call.params, 'bin_id', 1, 4000000, 1010);
    const port = existing(portId);
    if (port.mode !== 'OPEN') throw new Fault(1009);
    if (port.selected_bin !== null && port.selected_bin !== binId) throw new Fault(1020);
    if (binId === undefined) binId = 900000 + portId; // we plan a bin ourselves
    port.selected_bin = binId;
    if (port.type === 'AC') {
      port.case_state = 'NOOP';
      port.case_error = false;
    }
    return [['bin_id', binId]];
  },
  closebin(call) {
    const portId = portIdOf(call);
    const binId = intParam(call.params, 'bin_id', 1, 4000000, 1010);
    if (binId === undefined) throw new Fault(1010);
    const port = existing(portId);
    if (port.selected_bin !== binId) throw new Fault(1149);
    port.selected_bin = null;
    return [];
  },
};

// case_cancel with the deviations asked for (the plain one above is left exactly as it was).
function deviantCancel(call) {
  if (!dev('fault-publishes-state')) return deviantChecks(call);
  try {
    return deviantChecks(call);
  } catch (fault) {
    if (fault instanceof Fault && [1149, 1152, 1153].includes(fault.code)) {
      const portId = portIdOf(call);
      const port = ports.get(portId);
      publish(`AC,${portId},${port.selected_bin ?? 0},${port.case_state}`);
    }
    throw fault;
  }
}

function deviantChecks(call) {
  const portId = portIdOf(call);
  const binId = intParam(call.params, 'bin_id', 1, dev('bin-max-4000001') ? 4000001 : 4000000, 1010);
  if (binId === undefined) throw new Fault(1010);
  const port = existing(portId);
  const modeCode = dev('code-1099-as-1009') ? 1009 : 1099;
  if (dev('order-mode-type')) {
    if (port.mode !== 'OPEN') throw new Fault(modeCode);
    if (port.type !== 'AC') throw new Fault(1087);
  } else {
    if (port.type !== 'AC') throw new Fault(1087);
    if (port.mode !== 'OPEN') throw new Fault(modeCode);
  }
  if (dev('bin-compared-as-text')) {
    if (String(port.selected_bin) !== call.params.get('bin_id').text) throw new Fault(1149);
  } else if (port.selected_bin !== binId) throw new Fault(1149);
  const active = dev('active-not-noop') ? port.case_state !== 'NOOP' : ACTIVE.has(port.case_state);
  const noActive = () => {
    if (dev('fault-1152-clears-error')) port.case_error = false;
    throw new Fault(1152);
  };
  const noError = () => {
    if (dev('fault-1153-log-late')) setTimeout(() => publish(`AC,${portId},${binId},CR`), 100);
    throw new Fault(1153);
  };
  if (dev('order-error-active')) {
    if (!port.case_error) noError();
    if (!active) noActive();
  } else {
    if (!active) noActive();
    if (!port.case_error) noError();
  }
  port.case_state = 'NOOP';
  if (!dev('success-error-kept')) port.case_error = false;
  if (dev('error-flag-global-clear'))
    for (const p of ports.values()) if (p.type === 'AC') p.case_error = false;
  // the documented signal of a request to cancel ("CR: a request to cancel, a signal rather than a state"), first
  if (opts.cancelSignal) publish(`AC,${portId},${binId},CR`);
  publish(`AC,${portId},${binId},${dev('success-log-cr') ? 'CR' : 'NOOP'}`);
  if (dev('success-log-twice')) publish(`AC,${portId},${binId},NOOP`);
  return [];
}

function selectList(call) {
  if (!call.params?.has('select')) return null;
  const s = call.params.get('select');
  const cats = [];
  const conts = [];
  if (call.encoding === 'xml') {
    if (!s.children) throw new Fault(1007);
    for (const c of s.children) {
      if (!c.leaf || !/^[+-]?[0-9]+$/.test(c.text)) throw new Fault(c.name === 'content' ? 1006 : 1007);
      if (c.name === 'category') cats.push(Number(c.text));
      else if (c.name === 'content') conts.push(Number(c.text));
      else throw new Fault(1007);
    }
  } else {
    const j = s.json;
    if (j.kind !== 'object') throw new Fault(1007);
    for (const [k, v] of j.map) {
      if (v.kind !== 'array') throw new Fault(k === 'content' ? 1006 : 1007);
      for (const it of v.items) {
        const n = it.kind === 'number' ? jsonInteger(it.raw) : null;
        if (n === null) throw new Fault(k === 'content' ? 1006 : 1007);
        if (k === 'category') cats.push(Number(n));
        else if (k === 'content') conts.push(Number(n));
        else throw new Fault(1007);
      }
    }
  }
  if (cats.length && conts.length) throw new Fault(1007);
  for (const c of cats) if (c < 1 || c > 10000000) throw new Fault(1007);
  for (const c of conts) if (c < 0 || c > 10000000) throw new Fault(1006);
  if (!cats.length && !conts.length) return null;
  return { cats, conts };
}

// ---------------------------------------------------------------------------------------------------
// Answers

function xmlAnswer(fields, faultCode) {
  if (opts.xmlExotic) {
    const inner =
      faultCode !== undefined
        ? `<fault><!-- refused --><code><![CDATA[${faultCode}]]></code></fault>`
        : `<params>${fields.map(([k, v]) => `<${k}>${String(v).replace(/^./, (c) => `&#${c.charCodeAt(0)};`)}</${k}>`).join('<!-- -->')}</params>`;
    return `<?xml version="1.0" encoding="UTF-8"?>\n<!-- independent controller -->\n<?vendor trace="1"?>\n<response><!-- answer -->${inner}<?done?></response>\n<!-- end -->\n`;
  }
  if (opts.compact) {
    const inner =
      faultCode !== undefined
        ? `<fault><code>${faultCode}</code></fault>`
        : fields.length === 0
          ? '<params/>'
          : `<params>${fields.map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</params>`;
    return `<?xml version='1.0' encoding='utf-8' standalone='yes'?><response>${inner}</response>`;
  }
  // Our wording: a declaration with encoding, CRLF line ends, two-space indentation, <params></params>.
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<response>'];
  if (faultCode !== undefined) {
    lines.push(
      '  <fault>',
      opts.codeWs ? `    <code>\r\n      ${faultCode}\r\n    </code>` : `    <code>${faultCode}</code>`,
      '  </fault>',
    );
  } else if (fields.length === 0) {
    lines.push('  <params></params>');
  } else {
    lines.push('  <params>');
    for (const [k, v] of fields)
      lines.push(
        `    <${k}>${opts.oddInts && typeof v === 'number' ? (v % 2 ? `+${v}` : `0${v}`) : v}</${k}>`,
      );
    lines.push('  </params>');
  }
  lines.push('</response>', '');
  return lines.join('\r\n');
}

function jsonAnswer(fields, faultCode) {
  if (opts.compact)
    return JSON.stringify(
      faultCode !== undefined ? { fault: { code: faultCode } } : { params: Object.fromEntries(fields) },
    );
  if (faultCode !== undefined)
    return `{ "fault" : { "code" : ${faultCode}${opts.floatCodes ? '.0' : ''} } }\n`;
  const body = fields.map(
    ([k, v]) =>
      `${JSON.stringify(k)}: ${typeof v === 'number' ? (opts.oddInts ? `${v}.0` : v) : JSON.stringify(v)}`,
  );
  return `{\n\t"params": {${body.length ? `\n\t\t${body.join(',\n\t\t')}\n\t` : ''}}\n}\n`;
}

let answers = 0;
function send(res, status, type, text, extra = {}) {
  const buf = Buffer.from(text, 'utf8');
  const headers = {
    'content-TYPE': opts.ctParams && /xml|json/.test(type) ? `${type}; q-vendor=indep` : type,
    'x-indep-controller': '1',
    ...extra,
  };
  if (!opts.chunked && !opts.closeFraming) headers['Content-length'] = buf.length;
  if (opts.closeFraming) {
    headers.connection = 'close';
    res.useChunkedEncodingByDefault = false;
    res.chunkedEncoding = false;
  }
  answers++;
  if (opts.closeEvery > 0 && answers % opts.closeEvery === 0) headers.connection = 'close';
  const go = () => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, headers);
    res.end(buf);
  };
  const wait = opts.answerDelay + (opts.jitter > 0 ? Math.random() * opts.jitter : 0);
  if (wait > 0) setTimeout(go, wait);
  else go();
}

const TASK_PATH = '/api/v2/task';
const MAX_BODY = 1048576;

function refuse(res, status, why) {
  send(res, status, 'text/plain; charset=us-ascii', `refused: ${why.replace(/[^\x20-\x7e]/g, '?')}\n`);
}

function onTask(req, res) {
  if (opts.interimContinue && req.method === 'POST') res.writeContinue(); // RFC 9110 15.2: a client must read past it
  const path = (req.url ?? '').split('?')[0];
  if (path !== TASK_PATH) {
    req.resume();
    return refuse(res, 404, `no such path ${path}`);
  }
  if (req.method === 'GET' && dev('get-200')) {
    req.resume();
    return send(res, 200, 'text/plain', 'Task Interface: up\n');
  }
  if (req.method !== 'POST') {
    req.resume();
    return send(res, 405, 'text/plain', 'only POST is served here\n', { allow: 'POST' });
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) {
    req.resume();
    return refuse(res, opts.oddRefusals ? 400 : 413, 'the body is over 1 MiB');
  }
  const chunks = [];
  let size = 0;
  let over = false;
  req.on('data', (c) => {
    if (over) return;
    size += c.length;
    if (size > MAX_BODY) {
      over = true;
      chunks.length = 0;
      return;
    }
    chunks.push(c);
  });
  req.on('error', () => {});
  req.on('end', () => {
    if (over) return refuse(res, opts.oddRefusals ? 400 : 413, 'the body is over 1 MiB');
    const body = Buffer.concat(chunks);
    let call;
    try {
      call = readCall(req, body);
    } catch (e) {
      if (e instanceof Refusal) return refuse(res, e.status, e.message);
      return refuse(res, 400, 'unreadable');
    }
    const fn = Object.hasOwn(METHODS, call.method)
      ? METHODS[call.method]
      : dev('unknown-method-cancel')
        ? METHODS.case_cancel
        : null;
    if (!fn) return refuse(res, 400, `unknown method ${JSON.stringify(call.method)}`);
    let fields;
    let fault;
    try {
      fields = fn(call);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      fault = e.code;
    }
    const status = fault !== undefined && dev('fault-http-400') ? 400 : 200;
    const xmlType = dev('xml-charset-latin1')
      ? 'application/xml; charset=ISO-8859-1'
      : 'application/xml;charset="utf-8"';
    if (call.encoding === 'xml') send(res, status, xmlType, xmlAnswer(fields, fault));
    else send(res, status, 'application/json', jsonAnswer(fields, fault));
  });
}

// ---------------------------------------------------------------------------------------------------
// The rig

function rigJson(res, status, obj) {
  if (obj === undefined) {
    res.writeHead(status, { 'x-indep-rig': '1' });
    return res.end();
  }
  const text = `${JSON.stringify(obj, null, 1)}\r\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function checkPortId(s) {
  if (typeof s === 'number') {
    if (!Number.isInteger(s) || s < 1 || s > 2000) return `port_id ${s} is not 1-2000`;
    return null;
  }
  if (!/^[0-9]+$/.test(s)) return `port_id ${JSON.stringify(s)} is not an integer`;
  const n = Number(s);
  if (n < 1 || n > 2000) return `port_id ${n} is not 1-2000`;
  return null;
}

function checkState(s) {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return 'a PortState is an object';
  const want = ['type', 'mode', 'selected_bin', 'case_state', 'case_error'];
  for (const k of Object.keys(s)) if (!want.includes(k)) return `unknown field ${k}`;
  for (const k of want) if (!Object.hasOwn(s, k)) return `field ${k} is required`;
  if (!TYPES.includes(s.type)) return `type ${JSON.stringify(s.type)} is unknown`;
  if (!MODES.includes(s.mode)) return `mode ${JSON.stringify(s.mode)} is unknown`;
  if (
    s.selected_bin !== null &&
    !(Number.isInteger(s.selected_bin) && s.selected_bin >= 1 && s.selected_bin <= 4000000)
  )
    return 'selected_bin is an integer 1-4000000 or null';
  if (!STATES.includes(s.case_state)) return `case_state ${JSON.stringify(s.case_state)} is unknown`;
  if (typeof s.case_error !== 'boolean') return 'case_error is a boolean';
  return null;
}

function portState(p) {
  // Our own member order.
  return {
    case_error: p.case_error,
    case_state: p.case_state,
    selected_bin: p.selected_bin,
    mode: p.mode,
    type: p.type,
  };
}

// One step, already checked: [status, extra]
function runStep(step) {
  switch (step.op) {
    case 'reset': {
      for (const p of ports.values()) clearTimeout(p[ADV]);
      const old = ports;
      ports = loadSite();
      events = [];
      // only the AC ports whose AutoCase state the reset moved (as the emulator's rule for a PUT: NOOP for none)
      if (opts.resetPublishes)
        for (const [id, p] of ports) {
          const was = old.get(id);
          const wasState = was?.type === 'AC' ? was.case_state : 'NOOP';
          if (p.type === 'AC' && wasState !== p.case_state)
            publish(`AC,${id},${p.selected_bin ?? 0},${p.case_state}`);
        }
      for (const id of ports.keys()) scheduleAdvance(id);
      return { status: 204 };
    }
    case 'put': {
      const before = ports.get(step.port_id);
      if (before) clearTimeout(before[ADV]);
      ports.set(step.port_id, { ...step.state });
      if (
        opts.putPath &&
        step.state.type === 'AC' &&
        (!before || before.case_state === 'NOOP') &&
        ['ERSO', 'ECMP'].includes(step.state.case_state)
      )
        publish(`AC,${step.port_id},${step.state.selected_bin ?? 0},EREQ`);
      if (opts.putBm && step.state.selected_bin !== null && before?.selected_bin !== step.state.selected_bin)
        publish(`BM,${step.state.selected_bin},O`);
      scheduleAdvance(step.port_id);
      if (
        opts.putPublishes &&
        step.state.type === 'AC' &&
        (!before || before.case_state !== step.state.case_state)
      )
        publish(`AC,${step.port_id},${step.state.selected_bin ?? 0},${step.state.case_state}`);
      return { status: 204 };
    }
    case 'delete':
      if (ports.get(step.port_id)) clearTimeout(ports.get(step.port_id)[ADV]);
      if (opts.deletePublishes && ports.get(step.port_id)?.type === 'AC')
        publish(`AC,${step.port_id},0,NOOP`);
      ports.delete(step.port_id);
      return { status: 204 };
    case 'get': {
      const p = ports.get(step.port_id);
      return p ? { status: 200, state: portState(p) } : { status: 404 };
    }
    case 'events':
      return { status: 200, segments: [...events] };
  }
  throw new Error('unreachable');
}

function checkStep(st) {
  if (st === null || typeof st !== 'object' || Array.isArray(st)) return 'a step is an object';
  const allowed = {
    reset: ['op'],
    events: ['op'],
    delete: ['op', 'port_id'],
    get: ['op', 'port_id'],
    put: ['op', 'port_id', 'state'],
  }[st.op];
  if (!allowed) return `unknown op ${JSON.stringify(st.op)}`;
  for (const k of Object.keys(st)) if (!allowed.includes(k)) return `unknown field ${k} in a ${st.op} step`;
  if (allowed.includes('port_id')) {
    if (!Object.hasOwn(st, 'port_id')) return 'port_id is required';
    if (typeof st.port_id !== 'number') return 'port_id is a number';
    const e = checkPortId(st.port_id);
    if (e) return e;
  }
  if (st.op === 'put') return checkState(st.state);
  return null;
}

function onRig(req, res) {
  if (opts.interimContinue && req.method === 'POST') res.writeContinue();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('error', () => {});
  req.on('end', () => {
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`)
      return rigJson(res, 401, { error: 'a bearer token is needed' });
    const url = (req.url ?? '').split('?')[0];
    if (!url.startsWith(`${opts.rigBase}/`)) return rigJson(res, 404, { error: 'not a rig path' });
    const rest = url.slice(opts.rigBase.length);
    const body = Buffer.concat(chunks).toString('utf8');
    const parse = () => {
      try {
        return { ok: true, v: JSON.parse(body) };
      } catch {
        return { ok: false };
      }
    };
    if (rest === '/reset') {
      if (req.method !== 'POST') return rigJson(res, 405, { error: 'POST only' });
      runStep({ op: 'reset' });
      return rigJson(res, 204);
    }
    if (rest === '/events') {
      if (req.method !== 'GET') return rigJson(res, 405, { error: 'GET only' });
      return rigJson(res, 200, { segments: [...events] });
    }
    if (rest === '/batch' && opts.batch) {
      if (req.method !== 'POST') return rigJson(res, 405, { error: 'POST only' });
      const b = parse();
      if (!b.ok || b.v === null || typeof b.v !== 'object' || Array.isArray(b.v))
        return rigJson(res, 400, { error: 'the body is not a JSON object' });
      for (const k of Object.keys(b.v))
        if (k !== 'steps') return rigJson(res, 400, { error: `unknown field ${k}` });
      if (!Array.isArray(b.v.steps)) return rigJson(res, 400, { error: 'steps is an array' });
      if (b.v.steps.length > 256) return rigJson(res, 400, { error: 'at most 256 steps' });
      for (const [n, st] of b.v.steps.entries()) {
        const e = checkStep(st);
        if (e) return rigJson(res, 400, { error: `step ${n}: ${e}` });
      }
      const results = b.v.steps.map((st) =>
        runStep({ ...st, port_id: st.port_id === undefined ? undefined : Number(st.port_id) }),
      );
      return rigJson(res, 200, { results });
    }
    const m = /^\/ports\/([^/]*)$/.exec(rest);
    if (!m) return rigJson(res, opts.rigUnknown, { error: 'no such rig endpoint' });
    let seg;
    try {
      seg = decodeURIComponent(m[1]);
    } catch {
      return rigJson(res, 400, { error: 'bad port_id in the path' });
    }
    const e = checkPortId(seg);
    if (e) return rigJson(res, 400, { error: e });
    const id = Number(seg);
    if (req.method === 'GET') {
      const r = runStep({ op: 'get', port_id: id });
      if (r.status === 200) return rigJson(res, 200, r.state);
      return opts.rig404Empty ? rigJson(res, 404) : rigJson(res, 404, { error: `port ${id} does not exist` });
    }
    if (req.method === 'DELETE') {
      runStep({ op: 'delete', port_id: id });
      return rigJson(res, 204);
    }
    if (req.method === 'PUT') {
      const b = parse();
      if (!b.ok) return rigJson(res, 400, { error: 'the body is not JSON' });
      const bad = checkState(b.v);
      if (bad) return rigJson(res, 400, { error: bad });
      runStep({ op: 'put', port_id: id, state: b.v });
      return rigJson(res, 204);
    }
    return rigJson(res, 405, { error: 'GET, PUT or DELETE' });
  });
}

// ---------------------------------------------------------------------------------------------------
// Listeners

const task = http.createServer(onTask);
task.keepAliveTimeout = opts.taskKeepAlive; // our own idle keep-alive
task.headersTimeout = 20000;
task.requestTimeout = 30000;
const rig = opts.rigPort >= 0 ? http.createServer(onRig) : null;
if (rig) rig.keepAliveTimeout = opts.rigKeepAlive;
if (opts.noise) {
  // Another port of the site at work, and bins moving in the grid: lines no scenario is about.
  const noiseStates = ['EREQ', 'ERSO', 'ECMP', 'NOOP'];
  let n = 0;
  setInterval(() => {
    n++;
    if (ports.get(1500)?.[CONFIGURED]) toStreamAndEvents(`AC,1500,3999999,${noiseStates[n % 4]}`);
    toStreamAndEvents(`BM,${3999000 + (n % 7)},${n % 2 ? 'PREPARED' : 'OPEN'}`);
  }, 37).unref();
}
if (opts.heartbeat) {
  let hb = 0;
  setInterval(() => {
    hb++;
    toStream(hb % 3 ? `HB,${hb}` : '');
  }, 53).unref();
}
function toStreamAndEvents(line) {
  events.push(line);
  toStream(line);
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.host, () => resolve(server.address().port));
  });
}

for (const id of ports.keys()) scheduleAdvance(id);
const taskPort = await listen(task, opts.taskPort);
const rigPort = rig ? await listen(rig, opts.rigPort) : null;
const logPort = await listen(logServer, opts.logPort);
process.stdout.write(
  `${JSON.stringify({
    task: `http://${opts.host}:${taskPort}${TASK_PATH}`,
    rig: rig ? `http://${opts.host}:${rigPort}${opts.rigBase}` : null,
    log: `${opts.host}:${logPort}`,
    batch: opts.batch,
  })}\n`,
);

const stop = () => {
  for (const s of subscribers) s.destroy();
  task.close();
  rig?.close();
  logServer.close();
  task.closeAllConnections?.();
  rig?.closeAllConnections?.();
  setTimeout(() => process.exit(0), 50).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
