// Small HTTP helpers for the emulator's own tests: raw requests, call bodies, the rig.

import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One agent for the tests; several connections so that concurrent requests really are concurrent. */
export const agent = new Agent({ connections: 128, pipelining: 0 });

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );
}

/** Sends a request and reads the whole answer as text. */
export async function send(
  url: string,
  options: { method?: string; body?: string | Buffer | Readable; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await request(url, {
    method: (options.method ?? 'POST') as 'POST',
    body: options.body,
    headers: options.headers,
    dispatcher: agent,
  });
  return {
    status: response.statusCode,
    headers: flatten(response.headers),
    body: await response.body.text(),
  };
}

/** POSTs a body with a Content-Type (none when undefined). */
export function post(url: string, body: string | Buffer, contentType?: string): Promise<Reply> {
  return send(url, { body, headers: contentType === undefined ? {} : { 'content-type': contentType } });
}

/** The XML call the vendor documents, with the parameters given as raw element text (in this order). */
export function xmlCall(method: string, params: readonly (readonly [string, string])[] | undefined): string {
  const paramsXml =
    params === undefined
      ? ''
      : `  <params>\n${params.map(([name, text]) => `    <${name}>${text}</${name}>\n`).join('')}  </params>\n`;
  return `<?xml version="1.0"?>\n<methodcall>\n  <name>${method}</name>\n${paramsXml}</methodcall>\n`;
}

/** The JSON call, parameters given as raw JSON value text so that 4.0 or 1e3 go over the wire as written. */
export function jsonCall(method: string, params: readonly (readonly [string, string])[] | undefined): string {
  const paramsJson =
    params === undefined ? '' : `, "params": {${params.map(([n, v]) => `"${n}": ${v}`).join(', ')}}`;
  return `{"method": ${JSON.stringify(method)}${paramsJson}}`;
}

export const XML = 'application/xml';
export const JSON_TYPE = 'application/json';

export const XML_SUCCESS = '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <params/>\n</response>\n';

export function xmlFault(code: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <fault>\n    <code>${code}</code>\n  </fault>\n</response>\n`;
}

/** The fault code of an answer in either encoding, or 'success'. */
export function outcome(reply: Reply): number | 'success' | 'unreadable' {
  const xml = /<fault>\s*<code>([0-9]+)<\/code>/.exec(reply.body);
  if (xml?.[1] !== undefined) return Number(xml[1]);
  if (/<params\/>|<params>/.test(reply.body)) return 'success';
  try {
    const json = JSON.parse(reply.body) as { fault?: { code?: number }; params?: unknown };
    if (typeof json.fault?.code === 'number') return json.fault.code;
    if (typeof json.params === 'object' && json.params !== null) return 'success';
  } catch {}
  return 'unreadable';
}

export interface PortState {
  type: string;
  mode: string;
  selected_bin: number | null;
  case_state: string;
  case_error: boolean;
}

/** The rig control API as the tests use it. */
export class RigClient {
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  #headers(): Record<string, string> {
    return this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
  }

  raw(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    return send(`${this.url}${path}`, { method, body, headers: { ...this.#headers(), ...headers } });
  }

  async port(portId: number): Promise<PortState | undefined> {
    const reply = await this.raw('GET', `/ports/${portId}`);
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) throw new Error(`rig GET port ${portId}: ${reply.status} ${reply.body}`);
    return JSON.parse(reply.body) as PortState;
  }

  async put(portId: number, state: PortState): Promise<void> {
    const reply = await this.raw('PUT', `/ports/${portId}`, JSON.stringify(state), {
      'content-type': 'application/json',
    });
    if (reply.status !== 204) throw new Error(`rig PUT port ${portId}: ${reply.status} ${reply.body}`);
  }

  async delete(portId: number): Promise<void> {
    const reply = await this.raw('DELETE', `/ports/${portId}`);
    if (reply.status !== 204) throw new Error(`rig DELETE port ${portId}: ${reply.status}`);
  }

  async reset(): Promise<void> {
    const reply = await this.raw('POST', '/reset');
    if (reply.status !== 204) throw new Error(`rig reset: ${reply.status}`);
  }

  async events(): Promise<string[]> {
    const reply = await this.raw('GET', '/events');
    return (JSON.parse(reply.body) as { segments: string[] }).segments;
  }
}

/** The sample port: an open AutoCase port, bin 101337 selected, extraction ready to send out, in error. */
export const SAMPLE_PORT: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};
