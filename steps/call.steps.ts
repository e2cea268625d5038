// When: what the WMS sends.
import { When } from '@cucumber/cucumber';
import type { HarnessWorld } from '../support/cucumber/world.ts';
import {
  type DoctypeKind,
  otherMethod,
  padded,
  pythonSample,
  truncated,
  validCall,
  withDoctype,
} from '../support/target/bodies.ts';
import type { ClientForm } from '../support/target/forms.ts';
import type { ParamSpec } from '../support/target/params.ts';
import type { Encoding } from '../support/target/types.ts';

When(
  'the WMS cancels the case operation of bin {int} on port {int} in {encoding}',
  async function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding) {
    await this.cancel(portId, binId, encoding);
  },
);

When(
  'the WMS cancels the case operation of bin {int} on port {int} in {encoding} sent {client_form}',
  async function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, client: ClientForm) {
    await this.cancelAs(portId, binId, encoding, client);
  },
);

When(
  'the WMS sends case_cancel in {encoding} with port_id {param} and bin_id {param}',
  async function (this: HarnessWorld, encoding: Encoding, portId: ParamSpec, binId: ParamSpec) {
    await this.sendCancel(encoding, [
      ['port_id', portId],
      ['bin_id', binId],
    ]);
  },
);

When(
  'the WMS sends case_cancel in {encoding} with port_id {param}, bin_id {param} and the unknown parameter {word} {param}',
  async function (
    this: HarnessWorld,
    encoding: Encoding,
    portId: ParamSpec,
    binId: ParamSpec,
    name: string,
    value: ParamSpec,
  ) {
    await this.sendCancel(encoding, [
      ['port_id', portId],
      ['bin_id', binId],
      [name, value],
    ]);
  },
);

When(
  'the WMS sends case_cancel in {encoding} without params',
  async function (this: HarnessWorld, encoding: Encoding) {
    await this.call('case_cancel', undefined, encoding, { form: { omitParams: true }, strictRequest: false });
  },
);

When(
  'the WMS sends case_cancel in XML with port_id {int} given twice and bin_id {int}',
  async function (this: HarnessWorld, portId: number, binId: number) {
    await this.call('case_cancel', { port_id: [portId, portId], bin_id: binId }, 'XML', {
      strictRequest: false,
    });
  },
);

When(
  'the WMS sends case_cancel in XML with bin_id {int} given twice and port_id {int}',
  async function (this: HarnessWorld, binId: number, portId: number) {
    await this.call('case_cancel', { port_id: portId, bin_id: [binId, binId] }, 'XML', {
      strictRequest: false,
    });
  },
);

When(
  'the WMS sends case_cancel in XML with port_id {int} inside a child element and bin_id {int}',
  async function (this: HarnessWorld, portId: number, binId: number) {
    await this.call(
      'case_cancel',
      { port_id: { rawXml: `<value>${portId}</value>` }, bin_id: binId },
      'XML',
      { strictRequest: false },
    );
  },
);

When(
  "the WMS sends the vendor's Python sample for bin {int} on port {int}, with its stray {string}",
  async function (this: HarnessWorld, binId: number, portId: number, _stray: string) {
    await this.sendBody(pythonSample(portId, binId), "the vendor's Python sample");
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in XML with {doctype}',
  async function (this: HarnessWorld, binId: number, portId: number, kind: DoctypeKind) {
    await this.sendBody(withDoctype(portId, binId, kind), `case_cancel with ${kind}`);
  },
);

When(
  'the WMS sends case_cancel in JSON with params {string}',
  async function (this: HarnessWorld, params: string) {
    await this.call('case_cancel', undefined, 'JSON', { form: { rawParams: params }, strictRequest: false });
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} padded to {int} MiB',
  async function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, mebibytes: number) {
    await this.sendBody(
      padded(portId, binId, encoding, mebibytes * 1024 * 1024),
      `case_cancel in ${encoding} padded to ${mebibytes} MiB`,
    );
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} cut off before its end',
  async function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding) {
    await this.sendBody(truncated(portId, binId, encoding), `case_cancel in ${encoding} cut off`);
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} with the HTTP verb {word}',
  async function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, verb: string) {
    await this.sendBody(validCall(portId, binId, encoding), `case_cancel in ${encoding} by ${verb}`, {
      method: verb,
    });
  },
);

When(
  'the WMS posts a case_cancel of bin {int} on port {int} in {encoding} to the path {string}',
  async function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, path: string) {
    await this.sendBody(validCall(portId, binId, encoding), `case_cancel in ${encoding} to ${path}`, {
      path,
    });
  },
);

When(
  'the WMS calls the unknown method {string} with port_id {int} and bin_id {int} in {encoding}',
  async function (this: HarnessWorld, method: string, portId: number, binId: number, encoding: Encoding) {
    await this.sendBody(
      otherMethod(method, portId, binId, encoding),
      `unknown method ${method} in ${encoding}`,
    );
  },
);

When(
  'the WMS sends a call without a method name, with port_id {int} and bin_id {int} in {encoding}',
  async function (this: HarnessWorld, portId: number, binId: number, encoding: Encoding) {
    await this.sendBody(
      otherMethod(undefined, portId, binId, encoding),
      `a call without a method name in ${encoding}`,
    );
  },
);

When(
  'the WMS sends the body {string} as {string}',
  async function (this: HarnessWorld, body: string, contentType: string) {
    await this.sendBody({ body, contentType }, `the body ${JSON.stringify(body.slice(0, 40))}`);
  },
);
