// Bodies that are not calls, as the robustness scenarios send them: each built on a valid case_cancel.

import type { Encoding } from '../model.ts';
import { JSON_MEDIA_TYPE, XML_MEDIA_TYPE } from '../wire/media-types.ts';
import { isXmlName } from '../xml-escape.ts';

export interface Body {
  readonly body: string;
  readonly contentType: string;
}

function xmlCall(
  portId: number,
  binId: number,
  params = `<port_id>${portId}</port_id><bin_id>${binId}</bin_id>`,
) {
  return `<methodcall><name>case_cancel</name><params>${params}</params></methodcall>`;
}

/** The vendor's Python sample: its XML ends in "</methodcall>>", so it is not well-formed. */
export function pythonSample(portId: number, binId: number): Body {
  const body = `<?xml version="1.0"?>\n<methodcall>\n  <name>case_cancel</name>\n  <params>\n    <port_id>${portId}</port_id>\n    <bin_id>${binId}</bin_id>\n  </params>\n</methodcall>>`;
  return { body, contentType: XML_MEDIA_TYPE };
}

export type DoctypeKind =
  | 'a DOCTYPE'
  | 'a DOCTYPE that declares an entity'
  | 'a DOCTYPE that declares an external entity';

/** A valid cancel behind a DOCTYPE; with an entity, its bin_id is reached through it (never to be expanded). */
export function withDoctype(portId: number, binId: number, kind: DoctypeKind): Body {
  const subset =
    kind === 'a DOCTYPE'
      ? ''
      : kind === 'a DOCTYPE that declares an entity'
        ? ` [\n  <!ENTITY bin "${binId}">\n]`
        : ' [\n  <!ENTITY bin SYSTEM "file:///etc/hostname">\n]';
  const binText = kind === 'a DOCTYPE' ? String(binId) : '&bin;';
  const body = `<?xml version="1.0"?>\n<!DOCTYPE methodcall${subset}>\n${xmlCall(portId, binId, `<port_id>${portId}</port_id><bin_id>${binText}</bin_id>`)}`;
  return { body, contentType: XML_MEDIA_TYPE };
}

/** A valid cancel whose root element is not `methodcall` (the name and params as a call has them). */
export function underRoot(portId: number, binId: number, root: string): Body {
  if (!isXmlName(root)) throw new Error(`harness bug: "${root}" is not an XML element name`);
  const call = xmlCall(portId, binId)
    .replace(/^<methodcall>/, `<${root}>`)
    .replace(/<\/methodcall>$/, `</${root}>`);
  return { body: `<?xml version="1.0"?>\n${call}`, contentType: XML_MEDIA_TYPE };
}

/** A valid cancel padded with whitespace (which both encodings ignore) to exactly `bytes` bytes. */
export function padded(portId: number, binId: number, encoding: Encoding, bytes: number): Body {
  if (encoding === 'XML') {
    const head = `<?xml version="1.0"?>\n<methodcall><name>case_cancel</name><params><port_id>${portId}</port_id><bin_id>${binId}</bin_id>`;
    const tail = '</params></methodcall>';
    return {
      body: head + ' '.repeat(Math.max(0, bytes - head.length - tail.length)) + tail,
      contentType: XML_MEDIA_TYPE,
    };
  }
  const head = `{"method":"case_cancel","params":{"port_id":${portId},"bin_id":${binId}}`;
  return {
    body: `${head + ' '.repeat(Math.max(0, bytes - head.length - 1))}}`,
    contentType: JSON_MEDIA_TYPE,
  };
}

/** A well-formed call of a method the Task Interface does not have (or of no method at all). */
export function otherMethod(
  method: string | undefined,
  portId: number,
  binId: number,
  encoding: Encoding,
): Body {
  if (encoding === 'XML') {
    const name = method === undefined ? '' : `<name>${method}</name>`;
    const body = `<?xml version="1.0"?>\n<methodcall>${name}<params><port_id>${portId}</port_id><bin_id>${binId}</bin_id></params></methodcall>`;
    return { body, contentType: XML_MEDIA_TYPE };
  }
  const call = method === undefined ? {} : { method };
  return {
    body: JSON.stringify({ ...call, params: { port_id: portId, bin_id: binId } }),
    contentType: JSON_MEDIA_TYPE,
  };
}

/** A call cut off before its end. */
export function truncated(portId: number, binId: number, encoding: Encoding): Body {
  if (encoding === 'XML') {
    return {
      body: `<?xml version="1.0"?>\n${xmlCall(portId, binId).slice(0, -14)}`,
      contentType: XML_MEDIA_TYPE,
    };
  }
  return {
    body: `{"method":"case_cancel","params":{"port_id":${portId},"bin_id":${binId}}`,
    contentType: JSON_MEDIA_TYPE,
  };
}

/** A valid call in the given encoding, sent as a raw body (for other verbs and paths). */
export function validCall(portId: number, binId: number, encoding: Encoding): Body {
  return encoding === 'XML'
    ? { body: `<?xml version="1.0"?>\n${xmlCall(portId, binId)}`, contentType: XML_MEDIA_TYPE }
    : {
        body: JSON.stringify({ method: 'case_cancel', params: { port_id: portId, bin_id: binId } }),
        contentType: JSON_MEDIA_TYPE,
      };
}
