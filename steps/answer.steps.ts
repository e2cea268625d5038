// Then: what the controller answers, and what it leaves behind.
import { Then } from '@cucumber/cucumber';
import type { HarnessWorld } from '../support/cucumber/world.ts';
import type { Encoding } from '../support/model.ts';
import { FAULT } from '../support/spec.ts';

Then('the controller answers with fault {int}', function (this: HarnessWorld, code: number) {
  this.expectFault(code);
});

Then('the cancel succeeds', function (this: HarnessWorld) {
  this.expectSuccess();
});

Then(
  'nothing about port {int} is published within {int} ms of the answer',
  function (this: HarnessWorld, portId: number, ms: number) {
    return this.expectNothingPublishedWithin(portId, ms);
  },
);

Then('port {int} is unchanged', function (this: HarnessWorld, portId: number) {
  return this.expectPortUnchanged(portId);
});

Then('port {int} still does not exist', function (this: HarnessWorld, portId: number) {
  return this.expectPortReads(portId, null, 'after the call');
});

Then(
  'the case operation on port {int} is over: state NOOP without error',
  function (this: HarnessWorld, portId: number) {
    return this.expectPortFields(
      portId,
      { case_state: 'NOOP', case_error: false },
      'after a successful cancel',
    );
  },
);

Then(
  'port {int} keeps its type, its mode and its selected bin',
  function (this: HarnessWorld, portId: number) {
    const { type, mode, selected_bin } = this.arrangedWith(portId, {});
    return this.expectPortFields(
      portId,
      { type, mode, selected_bin },
      'after a successful cancel, compared with how it was arranged',
    );
  },
);

Then(
  'the controller published the Log Publisher line for bin {int} on port {int}',
  function (this: HarnessWorld, binId: number, portId: number) {
    return this.expectPublished(portId, binId, 'after a successful cancel');
  },
);

Then(
  'a second cancel of bin {int} on port {int} in {encoding} answers with fault 1152',
  async function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding) {
    await this.cancel(portId, binId, encoding);
    this.expectFault(FAULT.NO_ACTIVE_OPERATION);
  },
);

Then('the controller refuses it with an HTTP 4xx status', function (this: HarnessWorld) {
  this.expectRefused();
});

Then('the controller refuses it with HTTP {int}', function (this: HarnessWorld, status: number) {
  this.expectRefused([status]);
});

Then(
  'a valid cancel of bin {int} on port {int} in {encoding} is still answered as the port stands',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding) {
    return this.expectStillAnswered(portId, binId, encoding);
  },
);

Then(
  'the answer travels with HTTP 200 and the Content-Type of {encoding}',
  function (this: HarnessWorld, encoding: Encoding) {
    this.expectTransport(encoding);
  },
);
