// How a request body's encoding is chosen (Content-Type, else sniffing), and what a rejected body is.

import type { Call, Encoding } from './types.ts';

/** Why a body is not a call: decides the HTTP status and the short explanation. */
export type NotACallKind =
  | 'malformed' // not well-formed XML or JSON
  | 'doctype' // a DOCTYPE or entity declaration
  | 'not-a-call' // well-formed, but not a methodcall / an object with a method
  | 'neither' // neither XML nor JSON
  | 'charset' // a character encoding the emulator does not read
  | 'standalone' // refused by the refuse-standalone deviation
  | 'crash'; // where a deviation's reading throws (json-null-body-500, json-method-unhashable-500): HTTP 500

export interface NotACall {
  readonly kind: NotACallKind;
  readonly reason: string;
}

export type ParsedCall =
  | { readonly ok: true; readonly call: Call }
  | { readonly ok: false; readonly notACall: NotACall };

export function notACall(kind: NotACallKind, reason: string): ParsedCall {
  return { ok: false, notACall: { kind, reason } };
}

/** What the Content-Type header says about the body. */
export type DeclaredType =
  | { readonly kind: 'declared'; readonly encoding: Encoding; readonly charset: string | undefined }
  | { readonly kind: 'sniff'; readonly charset: string | undefined; readonly textPlain: boolean }
  | { readonly kind: 'unsupported'; readonly mediaType: string };

/** classifyContentType's answers for the headers last seen: a client sends the same one call after call. */
const classified = new Map<string | undefined, DeclaredType>();
const CLASSIFIED_MAX = 64;

/** Classifies a Content-Type: JSON (application/json, +json), XML (application/xml, text/xml, +xml), sniff (text/plain or none). */
export function classifyContentType(header: string | undefined): DeclaredType {
  const known = classified.get(header);
  if (known !== undefined) return known;
  const declared = classify(header);
  if (classified.size >= CLASSIFIED_MAX) classified.clear(); // bounded, whatever headers arrive
  classified.set(header, declared);
  return declared;
}

function classify(header: string | undefined): DeclaredType {
  const [rawType = '', ...rawParams] = (header ?? '').split(';');
  const mediaType = rawType.trim().toLowerCase();
  const charsetParam = rawParams
    .map((param) => param.trim().split('='))
    .find(([name]) => name?.trim().toLowerCase() === 'charset')?.[1];
  const charset = charsetParam
    ?.trim()
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  if (mediaType === '') return { kind: 'sniff', charset, textPlain: false };
  if (mediaType === 'text/plain') return { kind: 'sniff', charset, textPlain: true };
  if (mediaType === 'application/json' || /^[a-z0-9!#$&^_.-]+\/[a-z0-9!#$&^_.-]+\+json$/.test(mediaType)) {
    return { kind: 'declared', encoding: 'JSON', charset };
  }
  if (
    mediaType === 'application/xml' ||
    mediaType === 'text/xml' ||
    /^[a-z0-9!#$&^_.-]+\/[a-z0-9!#$&^_.-]+\+xml$/.test(mediaType)
  ) {
    return { kind: 'declared', encoding: 'XML', charset };
  }
  return { kind: 'unsupported', mediaType };
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

export function hasUtf8Bom(body: Uint8Array): boolean {
  return body[0] === UTF8_BOM[0] && body[1] === UTF8_BOM[1] && body[2] === UTF8_BOM[2];
}

/** The encoding a body looks like: its first character after an optional BOM and whitespace, '<' XML, '{' JSON. */
export function sniffEncoding(body: Uint8Array): Encoding | undefined {
  let index = hasUtf8Bom(body) ? UTF8_BOM.length : 0;
  while (index < body.length && [0x20, 0x09, 0x0a, 0x0d].includes(body[index] ?? 0)) index++;
  if (body[index] === 0x3c) return 'XML';
  if (body[index] === 0x7b) return 'JSON';
  return undefined;
}
