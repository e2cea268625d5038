// Before a run with a profile: does the target do what the profile declares? An XML call answered in XML, a
// declared JSON encoding answered in JSON, a declared rig answering, and the fixture ports there with the
// declared types. Every probe is a call that changes nothing (a port_id out of range, reads).

import type { CallResult, Encoding, Exchange, TargetConfig } from '../model.ts';
import { callTask } from '../wire/task-call.ts';
import type { TargetProfile } from './profile.ts';

export interface CapabilityCheck {
  /** The profile key the check is about. */
  readonly key: string;
  readonly ok: boolean;
  readonly detail: string;
}

function answered(result: CallResult): string {
  const response = result.exchange.response;
  if (!response) return result.exchange.error ?? 'no answer';
  const what = result.answer
    ? result.answer.kind === 'fault'
      ? `fault ${result.answer.code}`
      : 'success'
    : 'no readable answer';
  const problems = result.problems.length > 0 ? `; ${result.problems.join('; ')}` : '';
  return `HTTP ${response.status}, ${response.headers['content-type'] ?? 'no Content-Type'}, ${what}${problems}`;
}

/** A case_cancel with port_id 0 changes nothing anywhere: it must come back as fault 1004 in the encoding sent. */
async function probeEncoding(
  target: TargetConfig,
  encoding: Encoding,
  record: (e: Exchange) => void,
): Promise<CapabilityCheck> {
  const result = await callTask(target, 'case_cancel', { port_id: 0, bin_id: 1 }, encoding, {
    label: `capability check: case_cancel in ${encoding}`,
    strictRequest: false,
    record,
  });
  const ok = result.answer !== undefined && result.problems.length === 0;
  const key = encoding === 'JSON' ? 'capabilities.json' : 'task_url';
  return {
    key,
    ok,
    detail: ok
      ? `case_cancel in ${encoding} is answered in ${encoding} (${answered(result)})`
      : `case_cancel in ${encoding} must be answered in ${encoding}; it was answered: ${answered(result)}`,
  };
}

async function probePort(
  target: TargetConfig,
  portId: number,
  declared: string,
  key: string,
  record: (e: Exchange) => void,
): Promise<CapabilityCheck> {
  const result = await callTask(target, 'getportstatus', { port_id: portId }, 'XML', {
    label: `capability check: getportstatus of port ${portId}`,
    record,
  });
  const answer = result.answer;
  if (declared === 'absent') {
    const ok = answer?.kind === 'fault' && answer.code === 1000;
    return {
      key,
      ok,
      detail: ok
        ? `port ${portId} does not exist (getportstatus: fault 1000)`
        : `port ${portId} is declared absent; getportstatus answered ${answered(result)}`,
    };
  }
  const type = answer?.kind === 'success' ? answer.params.port_type : undefined;
  return {
    key,
    ok: type === declared,
    detail:
      type === declared
        ? `port ${portId} has port_type ${declared}`
        : `port ${portId} is declared with port_type ${declared}; getportstatus answered ${type === undefined ? answered(result) : `port_type ${type}`}`,
  };
}

/**
 * Checks the declared capabilities and fixtures against the target. `rigAnswers` says whether the rig (when
 * one is used) answered the runner's own check. Every exchange goes to `record`.
 */
export async function checkCapabilities(
  profile: TargetProfile,
  target: TargetConfig,
  record: (e: Exchange) => void,
): Promise<CapabilityCheck[]> {
  const checks: CapabilityCheck[] = [await probeEncoding(target, 'XML', record)];
  if (profile.capabilities.json) checks.push(await probeEncoding(target, 'JSON', record));
  if (profile.capabilities.task_interface_arrangement) {
    const { fixtures } = profile;
    if (fixtures.absent_port !== undefined)
      checks.push(await probePort(target, fixtures.absent_port, 'absent', 'fixtures.absent_port', record));
    for (const [i, portId] of fixtures.autocase_ports.entries())
      checks.push(await probePort(target, portId, 'AC', `fixtures.autocase_ports[${i}]`, record));
    for (const [i, port] of (fixtures.other_ports ?? []).entries())
      checks.push(await probePort(target, port.port_id, port.type, `fixtures.other_ports[${i}]`, record));
  }
  return checks;
}
