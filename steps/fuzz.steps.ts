// The @fuzz scenarios: each When runs one property (support/fuzz/), each Then gives its verdict.
import { Then, When } from '@cucumber/cucumber';
import type { HarnessWorld } from '../support/cucumber/world.ts';
import { IN_RANGE, LITERALS, REFUSED, SEQUENCES } from '../support/fuzz/properties.ts';
import { expectAgreement, fuzzStepTimeoutMs, runFuzzProperty } from '../support/fuzz/scenario.ts';
import type { Encoding } from '../support/model.ts';
import { fixedAtLoad } from '../support/run-scope.ts';

const property = { timeout: fixedAtLoad('property step timeout', fuzzStepTimeoutMs) };

When(
  'the WMS cancels with any port_id and bin_id in the documented ranges on a randomly arranged site in {encoding}',
  property,
  function (this: HarnessWorld, encoding: Encoding) {
    return runFuzzProperty(this, IN_RANGE, encoding);
  },
);

When(
  'the WMS cancels with port_id and bin_id values the specification refuses in {encoding}',
  property,
  function (this: HarnessWorld, encoding: Encoding) {
    return runFuzzProperty(this, REFUSED, encoding);
  },
);

When(
  'the WMS cancels with port_id and bin_id written in literal forms the specification accepts in {encoding}',
  property,
  function (this: HarnessWorld, encoding: Encoding) {
    return runFuzzProperty(this, LITERALS, encoding);
  },
);

When(
  'the WMS runs random sequences of arranging ports, cancelling with matching or other ids and reading the ports back in {encoding}',
  property,
  function (this: HarnessWorld, encoding: Encoding) {
    return runFuzzProperty(this, SEQUENCES, encoding);
  },
);

Then('every answer is the one the specification predicts', function (this: HarnessWorld) {
  expectAgreement(this);
});

Then(
  'every answer is the documented parameter fault: never a success, never a code outside 1000-1999, never an HTTP 5xx',
  function (this: HarnessWorld) {
    expectAgreement(this);
  },
);

Then(
  'every answer is the one the specification predicts for the value written',
  function (this: HarnessWorld) {
    expectAgreement(this);
  },
);

Then('after every command the controller and the specification agree', function (this: HarnessWorld) {
  expectAgreement(this);
});
