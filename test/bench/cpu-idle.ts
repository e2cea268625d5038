// How the machine's idle cores wait, read from Linux's sysfs: on a virtual machine it sets what a request to a
// process on another core costs. With the cpuidle-haltpoll driver and guest_halt_poll_ns at 0, an idle vCPU halts
// at once and every wake-up is an exit to the hypervisor, paid by the process that writes to the socket; with the
// kernel's default poll window (200,000 ns) a loopback request here took half as long (docs/bench.md, "Idle cores
// on this VM"). Recorded beside the figures, so that two machines' benches are not compared blind.
import { readFileSync } from 'node:fs';

export interface CpuIdle {
  /** cpuidle's driver (`haltpoll`, `intel_idle`, `acpi_idle`, `none`, ...). */
  readonly driver: string;
  /** The guest's halt-poll window, ns (only with the haltpoll driver). */
  readonly haltPollNs?: number;
}

export const CPUIDLE_DRIVER = '/sys/devices/system/cpu/cpuidle/current_driver';
export const HALT_POLL_NS = '/sys/module/haltpoll/parameters/guest_halt_poll_ns';

function readTrimmed(file: string, read: (file: string) => string): string | undefined {
  try {
    const text = read(file).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/** What sysfs says of idle cores; undefined where it says nothing (not Linux, no cpuidle). */
export function cpuIdle(
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): CpuIdle | undefined {
  const driver = readTrimmed(CPUIDLE_DRIVER, read);
  if (driver === undefined) return undefined;
  const poll = readTrimmed(HALT_POLL_NS, read);
  const haltPollNs = poll !== undefined && /^\d+$/.test(poll) ? Number(poll) : undefined;
  return driver === 'haltpoll' && haltPollNs !== undefined ? { driver, haltPollNs } : { driver };
}

/** One phrase for the README's table: `cpuidle haltpoll, guest halt polling off`. */
export function describeCpuIdle(idle: CpuIdle | undefined): string | undefined {
  if (idle === undefined) return undefined;
  if (idle.haltPollNs === undefined) return `cpuidle ${idle.driver}`;
  return `cpuidle ${idle.driver}, guest halt polling ${idle.haltPollNs === 0 ? 'off' : `${idle.haltPollNs.toLocaleString('en-US')} ns`}`;
}
