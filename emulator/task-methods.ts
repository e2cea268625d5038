// The Task Interface methods a harness uses to arrange a scenario (docs/spec/task-methods.md). Pure.

import { NO_DEVIATIONS } from './deviations.ts';
import { committed, isActive, refused, success, unchanged, withPort } from './outcome.ts';
import { type IntegerParam, readIntegerInRange, readSelect, readText } from './params.ts';
import {
  type AnswerValue,
  BIN_ID_MAX,
  BIN_ID_MIN,
  type Call,
  type Decision,
  PORT_ID_MAX,
  PORT_ID_MIN,
  type PortMode,
  type PortState,
  type SiteState,
} from './types.ts';

/** Modes openport sets; OPEN and SWAP need a select list. */
const OPENPORT_MODES: readonly PortMode[] = ['INSERT', 'OPEN', 'SWAP', 'SEQUENCE', 'RUNOUT'];
/** [emulator decision] the vendor documents no code for a bad port_mode: the gap in the general table, 1005. */
const INVALID_PORT_MODE = 1005;
const REQ_TIME_MIN = Date.UTC(1971, 0, 1);
const REQ_TIME_END = Date.UTC(2038, 0, 19);
/**
 * The Log Publisher's one-letter bin modes (the vendor's value codes): GRID G, FORECAST F, PREPARED T, PORT P,
 * TOGRID R, OPEN O, CLOSED C, OUTSIDE X, DELETED D. [emulator decision] The emulator has no robots: a bin openbin
 * selects is at the port and open at once (O); closebin, and closeport clearing a selected bin, close it (C).
 */
export const BIN_MODE_OPEN = 'O';
export const BIN_MODE_CLOSED = 'C';

function binModeLine(binId: number, mode: string): string {
  return `BM,${binId},${mode}`;
}

const ISO_UTC = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|\+00:00)$/;

function portIdOf(call: Call): IntegerParam {
  return readIntegerInRange(call.params?.get('port_id'), PORT_ID_MIN, PORT_ID_MAX, NO_DEVIATIONS);
}

function binIdOf(call: Call): IntegerParam {
  return readIntegerInRange(call.params?.get('bin_id'), BIN_ID_MIN, BIN_ID_MAX, NO_DEVIATIONS);
}

/** 1003 / 1004 for port_id, then 1000 for a port that does not exist; otherwise the port. */
function lookUpPort(state: SiteState, call: Call): { portId: number; port: PortState } | number {
  const portId = portIdOf(call);
  if (portId.kind === 'missing') return 1003;
  if (portId.kind === 'invalid') return 1004;
  const port = state.ports.get(portId.value);
  return port === undefined ? 1000 : { portId: portId.value, port };
}

/** A req_time: UTC ISO-8601, a real date, from 1971-01-01 up to and including 2038-01-18. */
function validReqTime(text: string): boolean {
  const match = ISO_UTC.exec(text);
  if (match === null) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  return real && time >= REQ_TIME_MIN && time < REQ_TIME_END;
}

function openport(state: SiteState, call: Call): Decision {
  const portId = portIdOf(call);
  if (portId.kind === 'missing') return refused(state, 1003);
  if (portId.kind === 'invalid') return refused(state, 1004);
  const select = readSelect(call.params?.get('select'));
  if (select.kind === 'invalid') return refused(state, select.code);
  const portMode = readText(call.params?.get('port_mode'));
  let mode: PortMode = select.kind === 'select' ? 'OPEN' : 'INSERT';
  if (portMode.kind === 'invalid') return refused(state, INVALID_PORT_MODE);
  if (portMode.kind === 'text') {
    const named = OPENPORT_MODES.find((candidate) => candidate === portMode.value);
    if (named === undefined) return refused(state, INVALID_PORT_MODE);
    if ((named === 'OPEN' || named === 'SWAP') && select.kind !== 'select')
      return refused(state, INVALID_PORT_MODE);
    mode = named;
  }
  const reqTime = readText(call.params?.get('req_time'));
  if (reqTime.kind === 'invalid' || (reqTime.kind === 'text' && !validReqTime(reqTime.value))) {
    return refused(state, 1008);
  }
  const port = state.ports.get(portId.value);
  if (port === undefined) return refused(state, 1000);
  if (port.mode !== 'CLOSED') return refused(state, 1002);
  return committed(withPort(state, portId.value, { ...port, mode }), success());
}

function closeport(state: SiteState, call: Call): Decision {
  const found = lookUpPort(state, call);
  if (typeof found === 'number') return refused(state, found);
  const { portId, port } = found;
  if (port.mode === 'CLOSED' && port.selected_bin === null) return unchanged(state, success());
  const published = port.selected_bin === null ? [] : [binModeLine(port.selected_bin, BIN_MODE_CLOSED)];
  return committed(
    withPort(state, portId, { ...port, mode: 'CLOSED', selected_bin: null }),
    success(),
    published,
  );
}

function openbin(state: SiteState, call: Call): Decision {
  const portId = portIdOf(call);
  if (portId.kind === 'missing') return refused(state, 1003);
  if (portId.kind === 'invalid') return refused(state, 1004);
  const binId = binIdOf(call);
  if (binId.kind === 'invalid') return refused(state, 1010);
  const port = state.ports.get(portId.value);
  if (port === undefined) return refused(state, 1000);
  if (port.mode !== 'OPEN') return refused(state, 1009);
  // [decided] the emulator plans no bins: without bin_id there is no ready bin for the port.
  if (binId.kind === 'missing') return refused(state, 1016);
  if (state.bins !== undefined && !state.bins.has(binId.value)) return refused(state, 1011);
  if (port.selected_bin !== null && port.selected_bin !== binId.value) return refused(state, 1020);
  const answer = success([['bin_id', binId.value]]);
  if (port.selected_bin === binId.value) return unchanged(state, answer);
  return committed(withPort(state, portId.value, { ...port, selected_bin: binId.value }), answer, [
    binModeLine(binId.value, BIN_MODE_OPEN),
  ]);
}

function closebin(state: SiteState, call: Call): Decision {
  const portId = portIdOf(call);
  if (portId.kind === 'missing') return refused(state, 1003);
  if (portId.kind === 'invalid') return refused(state, 1004);
  const binId = binIdOf(call);
  if (binId.kind !== 'integer') return refused(state, 1010);
  const port = state.ports.get(portId.value);
  if (port === undefined) return refused(state, 1000);
  if (port.selected_bin !== binId.value) return refused(state, 1149);
  return committed(withPort(state, portId.value, { ...port, selected_bin: null }), success(), [
    binModeLine(binId.value, BIN_MODE_CLOSED),
  ]);
}

function getportstatus(state: SiteState, call: Call): Decision {
  const found = lookUpPort(state, call);
  if (typeof found === 'number') return refused(state, found);
  const { portId, port } = found;
  const params: [string, AnswerValue][] = [
    ['port_id', portId],
    ['port_mode', port.mode],
    ['port_type', port.type],
  ];
  if (port.selected_bin !== null) params.push(['selected_bin', port.selected_bin]);
  return unchanged(state, success(params));
}

function caseGetstate(state: SiteState, call: Call): Decision {
  const found = lookUpPort(state, call);
  if (typeof found === 'number') return refused(state, found);
  const { portId, port } = found;
  if (port.type !== 'AC') return refused(state, 1087);
  const params: [string, AnswerValue][] = [['port_id', portId]];
  if (port.selected_bin !== null) params.push(['bin_id', port.selected_bin]);
  params.push(['case_state', port.case_state]);
  return unchanged(state, success(params));
}

function caseExtract(state: SiteState, call: Call): Decision {
  const portId = portIdOf(call);
  if (portId.kind === 'missing') return refused(state, 1003);
  if (portId.kind === 'invalid') return refused(state, 1004);
  const binId = binIdOf(call);
  if (binId.kind !== 'integer') return refused(state, 1010);
  const port = state.ports.get(portId.value);
  if (port === undefined) return refused(state, 1000);
  if (port.type !== 'AC') return refused(state, 1087);
  if (port.mode !== 'OPEN') return refused(state, 1099);
  if (port.selected_bin !== binId.value) return refused(state, 1149);
  // [decided] an operation already going on is left as it is.
  if (isActive(port)) return unchanged(state, success());
  const extracting: PortState = { ...port, case_state: 'EREQ', case_error: false };
  return committed(withPort(state, portId.value, extracting), success(), [
    `AC,${portId.value},${binId.value},EREQ`,
  ]);
}

/** The methods besides case_cancel, by name. */
export const TASK_METHODS: Readonly<Record<string, (state: SiteState, call: Call) => Decision>> = {
  openport,
  closeport,
  openbin,
  closebin,
  getportstatus,
  case_getstate: caseGetstate,
  case_extract: caseExtract,
};
