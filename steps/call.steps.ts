// When: what the WMS sends.
import { When } from '@cucumber/cucumber';
import type { HarnessWorld } from '../support/cucumber/world.ts';
import type { Encoding } from '../support/model.ts';
import {
  type DoctypeKind,
  otherMethod,
  padded,
  pythonSample,
  truncated,
  underRoot,
  validCall,
  withDoctype,
} from '../support/vocabulary/bodies.ts';
import type { ClientForm } from '../support/vocabulary/forms.ts';
import type { ParamSpec } from '../support/vocabulary/params.ts';

When(
  'the WMS cancels the case operation of bin {int} on port {int} in {encoding}',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding) {
    return this.cancel(portId, binId, encoding);
  },
);

When(
  'the WMS cancels the case operation of bin {int} on port {int} in {encoding} sent {client_form}',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, client: ClientForm) {
    return this.cancelAs(portId, binId, encoding, client);
  },
);

When(
  'the WMS sends case_cancel in {encoding} with port_id {param} and bin_id {param}',
  function (this: HarnessWorld, encoding: Encoding, portId: ParamSpec, binId: ParamSpec) {
    return this.sendCancel(encoding, [
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
    return this.sendCancel(encoding, [
      ['port_id', portId],
      ['bin_id', binId],
      [name, value],
    ]);
  },
);

When(
  'the WMS sends case_cancel in {encoding} with port_id {int} and bin_id {int} beside the method name, without params',
  function (this: HarnessWorld, encoding: Encoding, portId: number, binId: number) {
    return this.call('case_cancel', { port_id: portId, bin_id: binId }, encoding, {
      form: { paramsBesideMethod: true },
      strictRequest: false,
    });
  },
);

When(
  'the WMS sends case_cancel in {encoding} without params',
  function (this: HarnessWorld, encoding: Encoding) {
    return this.call('case_cancel', undefined, encoding, {
      form: { omitParams: true },
      strictRequest: false,
    });
  },
);

When(
  'the WMS sends case_cancel in XML with port_id {int} given twice and bin_id {int}',
  function (this: HarnessWorld, portId: number, binId: number) {
    return this.call('case_cancel', { port_id: [portId, portId], bin_id: binId }, 'XML', {
      strictRequest: false,
    });
  },
);

When(
  'the WMS sends case_cancel in XML with bin_id {int} given twice and port_id {int}',
  function (this: HarnessWorld, binId: number, portId: number) {
    return this.call('case_cancel', { port_id: portId, bin_id: [binId, binId] }, 'XML', {
      strictRequest: false,
    });
  },
);

When(
  'the WMS sends case_cancel in XML with bin_id {int} inside a child element and port_id {int}',
  function (this: HarnessWorld, binId: number, portId: number) {
    return this.call(
      'case_cancel',
      { port_id: portId, bin_id: { rawXml: `<value>${binId}</value>` } },
      'XML',
      { strictRequest: false },
    );
  },
);

When(
  'the WMS sends case_cancel in {encoding} with port_id {param} and bin_id {param}, padded to {int} bytes',
  function (this: HarnessWorld, encoding: Encoding, portId: ParamSpec, binId: ParamSpec, bytes: number) {
    return this.sendCancel(
      encoding,
      [
        ['port_id', portId],
        ['bin_id', binId],
      ],
      { padTo: bytes },
    );
  },
);

When(
  'the WMS sends case_cancel in XML with port_id {int} inside a child element and bin_id {int}',
  function (this: HarnessWorld, portId: number, binId: number) {
    return this.call(
      'case_cancel',
      { port_id: { rawXml: `<value>${portId}</value>` }, bin_id: binId },
      'XML',
      { strictRequest: false },
    );
  },
);

When(
  "the WMS sends the vendor's Python sample for bin {int} on port {int}, with its stray {string}",
  function (this: HarnessWorld, binId: number, portId: number, _stray: string) {
    return this.sendBodyFor(portId, binId, pythonSample, "the vendor's Python sample");
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in XML with {doctype}',
  function (this: HarnessWorld, binId: number, portId: number, kind: DoctypeKind) {
    return this.sendBodyFor(portId, binId, (p, b) => withDoctype(p, b, kind), `case_cancel with ${kind}`);
  },
);

When('the WMS sends case_cancel in JSON with params {string}', function (this: HarnessWorld, params: string) {
  return this.call('case_cancel', undefined, 'JSON', { form: { rawParams: params }, strictRequest: false });
});

When(
  'the WMS sends case_cancel in {encoding} with the params content {string}',
  function (this: HarnessWorld, encoding: Encoding, content: string) {
    return this.call('case_cancel', undefined, encoding, {
      form: { rawParams: content },
      strictRequest: false,
    });
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} padded to {int} MiB',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, mebibytes: number) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => padded(p, b, encoding, mebibytes * 1024 * 1024),
      `case_cancel in ${encoding} padded to ${mebibytes} MiB`,
    );
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} padded to {int} MiB, chunked without a Content-Length',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, mebibytes: number) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => padded(p, b, encoding, mebibytes * 1024 * 1024),
      `case_cancel in ${encoding} padded to ${mebibytes} MiB, chunked`,
      { chunked: true },
    );
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} padded to {int} bytes',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, bytes: number) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => padded(p, b, encoding, bytes),
      `case_cancel in ${encoding} padded to ${bytes} bytes`,
    );
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in XML under the root element {string}',
  function (this: HarnessWorld, binId: number, portId: number, root: string) {
    return this.sendBodyFor(portId, binId, (p, b) => underRoot(p, b, root), `case_cancel under <${root}>`);
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} cut off before its end',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => truncated(p, b, encoding),
      `case_cancel in ${encoding} cut off`,
    );
  },
);

When(
  'the WMS sends a case_cancel of bin {int} on port {int} in {encoding} with the HTTP verb {word}',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, verb: string) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => validCall(p, b, encoding),
      `case_cancel in ${encoding} by ${verb}`,
      {
        method: verb,
      },
    );
  },
);

When(
  'the WMS posts a case_cancel of bin {int} on port {int} in {encoding} to the path {string}',
  function (this: HarnessWorld, binId: number, portId: number, encoding: Encoding, path: string) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => validCall(p, b, encoding),
      `case_cancel in ${encoding} to ${path}`,
      {
        path,
      },
    );
  },
);

When(
  'the WMS calls the unknown method {string} with port_id {int} and bin_id {int} in {encoding}',
  function (this: HarnessWorld, method: string, portId: number, binId: number, encoding: Encoding) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => otherMethod(method, p, b, encoding),
      `unknown method ${method} in ${encoding}`,
    );
  },
);

When(
  'the WMS sends a call without a method name, with port_id {int} and bin_id {int} in {encoding}',
  function (this: HarnessWorld, portId: number, binId: number, encoding: Encoding) {
    return this.sendBodyFor(
      portId,
      binId,
      (p, b) => otherMethod(undefined, p, b, encoding),
      `a call without a method name in ${encoding}`,
    );
  },
);

When(
  'the WMS sends the body {string} as {string}',
  function (this: HarnessWorld, body: string, contentType: string) {
    return this.sendBody({ body, contentType }, `the body ${JSON.stringify(body.slice(0, 40))}`);
  },
);
