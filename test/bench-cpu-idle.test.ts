import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CPUIDLE_DRIVER, cpuIdle, describeCpuIdle, HALT_POLL_NS } from './bench/cpu-idle.ts';

/** A sysfs of these files; any other read fails as a missing file does. */
function sysfs(files: Record<string, string>): (file: string) => string {
  return (file) => {
    const text = files[file];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return text;
  };
}

describe('how idle cores wait (the bench machine line)', () => {
  it('reads the haltpoll driver and its poll window', () => {
    const off = cpuIdle(sysfs({ [CPUIDLE_DRIVER]: 'haltpoll\n', [HALT_POLL_NS]: '0\n' }));
    assert.deepEqual(off, { driver: 'haltpoll', haltPollNs: 0 });
    assert.equal(describeCpuIdle(off), 'cpuidle haltpoll, guest halt polling off');
    const on = cpuIdle(sysfs({ [CPUIDLE_DRIVER]: 'haltpoll', [HALT_POLL_NS]: '200000' }));
    assert.equal(describeCpuIdle(on), 'cpuidle haltpoll, guest halt polling 200,000 ns');
  });

  it('names another driver alone, and its poll window only with haltpoll', () => {
    const intel = cpuIdle(sysfs({ [CPUIDLE_DRIVER]: 'intel_idle', [HALT_POLL_NS]: '200000' }));
    assert.deepEqual(intel, { driver: 'intel_idle' });
    assert.equal(describeCpuIdle(intel), 'cpuidle intel_idle');
  });

  it('says nothing where sysfs says nothing, and ignores a poll window that is not a number', () => {
    assert.equal(cpuIdle(sysfs({})), undefined);
    assert.equal(cpuIdle(sysfs({ [CPUIDLE_DRIVER]: '  \n' })), undefined);
    assert.equal(describeCpuIdle(undefined), undefined);
    assert.deepEqual(cpuIdle(sysfs({ [CPUIDLE_DRIVER]: 'haltpoll', [HALT_POLL_NS]: 'x' })), {
      driver: 'haltpoll',
    });
  });
});
