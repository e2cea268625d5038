// Given: the state of the site before the call.
import { Given } from '@cucumber/cucumber';
import type { HarnessWorld } from '../support/cucumber/world.ts';
import type { CaseState, PortMode, PortType } from '../support/model.ts';

Given(
  'port {int} is a(n) {port_type} port, {port_mode}, with {selection} and its case {case_state} {case_error}',
  function (
    this: HarnessWorld,
    portId: number,
    type: PortType,
    mode: PortMode,
    selected_bin: number | null,
    case_state: CaseState,
    case_error: boolean,
  ) {
    return this.arrangePort(portId, { type, mode, selected_bin, case_state, case_error });
  },
);

Given('port {int} does not exist', function (this: HarnessWorld, portId: number) {
  return this.arrangeNoPort(portId);
});
