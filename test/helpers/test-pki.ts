// A certificate authority and server certificates made at run time, so that no key or certificate is ever kept in
// the repository: ECDSA P-256 keys from node:crypto, X.509 v3 certificates written here in DER (the few ASN.1
// forms a certificate needs) and signed with node:crypto. Nothing but tests uses it.

import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

const DAY_MS = 86_400_000;

/** A certificate and its key, both PEM. */
export interface Issued {
  readonly cert: string;
  readonly key: string;
  readonly keyObject: KeyObject;
  readonly publicKey: KeyObject;
  readonly subject: string;
}

export interface CertificateRequest {
  /** The subject's common name. */
  readonly commonName: string;
  /** subjectAltName entries: IP addresses (v4 or v6) and DNS names. Default: none. */
  readonly altNames?: readonly string[];
  /** Default: a day ago. */
  readonly notBefore?: Date;
  /** Default: in thirty days. */
  readonly notAfter?: Date;
}

// --- DER, the few forms a certificate needs -------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const octetString = (content: Buffer) => tlv(0x04, content);
const bitString = (content: Buffer, unusedBits = 0) =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);

function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const bytes = [40 * (arcs[0] ?? 0) + (arcs[1] ?? 0)];
  for (const arc of arcs.slice(2)) {
    const base128 = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128))
      base128.unshift((rest & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime up to 2049, GeneralizedTime after, as RFC 5280 wants. */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-02T05:55:51.000Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(digits.slice(2), 'ascii'));
  return tlv(0x18, Buffer.from(digits, 'ascii'));
}

const name = (commonName: string) =>
  sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));

const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));

function ipBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  // Expand :: and write the eight groups.
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = [
    ...headGroups,
    ...Array(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => {
    out.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  });
  return out;
}

function altNames(names: readonly string[]): Buffer {
  return sequence(
    ...names.map((entry) =>
      isIPv4(entry) || isIPv6(entry) ? tlv(0x87, ipBytes(entry)) : tlv(0x82, Buffer.from(entry, 'ascii')),
    ),
  );
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

interface Signer {
  readonly subject: string;
  readonly keyObject: KeyObject;
  readonly publicKey: KeyObject;
}

function certificate(
  subject: string,
  publicKey: KeyObject,
  issuer: Signer,
  validity: { notBefore: Date; notAfter: Date },
  extensions: Buffer[],
): string {
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_WITH_SHA256,
    name(issuer.subject),
    sequence(time(validity.notBefore), time(validity.notAfter)),
    name(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, issuer.keyObject);
  return pem('CERTIFICATE', sequence(tbs, ECDSA_WITH_SHA256, bitString(signature)));
}

function keyPair(): { keyObject: KeyObject; publicKey: KeyObject; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    keyObject: privateKey,
    publicKey,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

// --- what tests ask for ---------------------------------------------------------------------------------------

export class TestAuthority implements Issued {
  readonly cert: string;
  readonly key: string;
  readonly keyObject: KeyObject;
  readonly publicKey: KeyObject;
  readonly subject: string;

  constructor(commonName = `harness test authority ${randomBytes(4).toString('hex')}`) {
    const pair = keyPair();
    this.key = pair.key;
    this.keyObject = pair.keyObject;
    this.publicKey = pair.publicKey;
    this.subject = commonName;
    const now = Date.now();
    this.cert = certificate(
      commonName,
      pair.publicKey,
      this,
      { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS) },
      [
        extension('2.5.29.19', true, sequence(boolean(true))),
        // keyCertSign and cRLSign: bits 5 and 6
        extension('2.5.29.15', true, bitString(Buffer.from([0x06]), 1)),
        extension('2.5.29.14', false, octetString(keyIdentifier(pair.publicKey))),
      ],
    );
  }

  /** A server certificate signed by this authority, for the names given. */
  issue(request: CertificateRequest): Issued {
    const pair = keyPair();
    const now = Date.now();
    const cert = certificate(
      request.commonName,
      pair.publicKey,
      this,
      {
        notBefore: request.notBefore ?? new Date(now - DAY_MS),
        notAfter: request.notAfter ?? new Date(now + 30 * DAY_MS),
      },
      [
        extension('2.5.29.19', true, sequence()),
        // digitalSignature: bit 0
        extension('2.5.29.15', true, bitString(Buffer.from([0x80]), 7)),
        extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
        ...(request.altNames && request.altNames.length > 0
          ? [extension('2.5.29.17', false, altNames(request.altNames))]
          : []),
        extension('2.5.29.14', false, octetString(keyIdentifier(pair.publicKey))),
        extension('2.5.29.35', false, sequence(tlv(0x80, keyIdentifier(this.publicKey)))),
      ],
    );
    return {
      cert,
      key: pair.key,
      keyObject: pair.keyObject,
      publicKey: pair.publicKey,
      subject: request.commonName,
    };
  }
}

/** A certificate for 127.0.0.1 and localhost signed by `authority`, valid now. */
export function loopbackCertificate(
  authority: TestAuthority,
  overrides: Partial<CertificateRequest> = {},
): Issued {
  return authority.issue({
    commonName: '127.0.0.1',
    altNames: ['127.0.0.1', '::1', 'localhost'],
    ...overrides,
  });
}

/** The certificate parsed by node:crypto (a check that what was written is a certificate). */
export function parsed(cert: string): X509Certificate {
  return new X509Certificate(cert);
}
