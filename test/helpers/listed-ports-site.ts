// A site as found whose profile lists only some of its ports: ports 1, 4, 7 and 2000 exist but are not the run's
// (port 4 is in production use, with an extraction in error); 101-104 and 150 are listed, and so is 201, which
// does not exist. Shared by the unit and end-to-end tests of the ports a run may use.
import type { SiteConfig } from '../../emulator/index.ts';

export const LISTED_PORTS_SITE: SiteConfig = {
  ports: [
    { port_id: 1, type: 'AC', mode: 'CLOSED' },
    { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', case_error: true },
    { port_id: 7, type: 'AC', mode: 'OPEN', selected_bin: 5001, case_state: 'NOOP' },
    { port_id: 2000, type: 'AC', mode: 'OPEN', selected_bin: 4000000, case_state: 'ECMP' },
    { port_id: 101, type: 'AC', mode: 'OPEN', selected_bin: 6001, case_state: 'ERSO', case_error: true },
    { port_id: 102, type: 'AC', mode: 'CLOSED' },
    { port_id: 103, type: 'AC', mode: 'OPEN' },
    { port_id: 104, type: 'AC', mode: 'OPEN', selected_bin: 7001, case_state: 'NOOP' },
    { port_id: 150, type: 'CO', mode: 'OPEN', selected_bin: 1500 },
  ],
};

/** The ports the profile lists. */
export const LISTED: readonly number[] = [101, 102, 103, 104, 150, 201];
