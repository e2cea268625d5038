// The vocabulary the harness speaks about a target: calls, answers, exchanges, port states.

export type Encoding = 'XML' | 'JSON';

/**
 * A parameter value as the harness sends it. A number is sent as a number (XML text / JSON number); a string
 * is sent as XML element text or a JSON string; an array repeats the XML element (in JSON: a JSON array).
 */
export type ParamValue =
  | number
  | string
  | boolean
  | null
  | RawJson
  | RawXml
  | readonly ParamValue[]
  | { readonly [key: string]: ParamValue };

/** XML element content inserted verbatim (child elements, entity references). */
export interface RawXml {
  readonly rawXml: string;
}

/** A JSON value sent verbatim (for fractions such as 4.0 that JSON.stringify would print as 4). */
export interface RawJson {
  readonly rawJson: string;
}

/** What a controller answered, once the envelope is understood. */
export type Answer =
  | { readonly kind: 'success'; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'fault'; readonly code: number };

/** One HTTP exchange, kept as evidence exactly as it went over the wire. */
export interface Exchange {
  readonly label: string;
  readonly startedAt: string;
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
  };
  readonly response?: {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    /** true when reading stopped at the response size cap */
    readonly truncated: boolean;
  };
  /** Why no response came (refused, reset, timeout after N ms, not HTTP...), in words. */
  readonly error?: string;
  /** The kind of that failure, for the verdict logic (a timeout is INCONCLUSIVE): set with `error`. */
  readonly failure?:
    | 'timeout'
    | 'refused'
    | 'unreachable'
    | 'reset'
    | 'not-http'
    | 'tls'
    | 'too-large'
    /** An interim 100 nobody asked for, which undici would not read past, on a call that may not be sent twice. */
    | 'unread-interim'
    | 'other';
  /** Set when the call went out a second time, on a new connection: why the first attempt does not count. */
  readonly resent?: string;
  readonly ms: number;
}

/** The outcome of one Task Interface call: the exchange, the answer if one could be read, and every way it broke the wire contract. */
export interface CallResult {
  readonly exchange: Exchange;
  readonly answer?: Answer;
  /** Contract violations, each one line: status, Content-Type, declaration, schema errors, unparseable body. Empty when the envelope conforms. */
  readonly problems: readonly string[];
}

export type PortType = 'AC' | 'CO' | 'ECO' | 'CA' | 'VE' | 'SW' | 'RE' | 'TC' | 'FU' | 'MU' | 'PI' | 'GL';
export type PortMode =
  | 'CLOSED'
  | 'OPEN'
  | 'AUTO'
  | 'INSERT'
  | 'SWAP'
  | 'SEQUENCE'
  | 'DISABLED'
  | 'MULTIPORT_PUPPET'
  | 'RUNOUT';
export type CaseState = 'NOOP' | 'EREQ' | 'ERSO' | 'ECMP' | 'IREQ' | 'IRTR' | 'ICRC' | 'ICIN' | 'ICMP';

/** A port as the rig control API describes it (docs/rig-control.md). */
export interface PortState {
  readonly type: PortType;
  readonly mode: PortMode;
  readonly selected_bin: number | null;
  readonly case_state: CaseState;
  readonly case_error: boolean;
}

export const PORT_TYPES: readonly PortType[] = [
  'AC',
  'CO',
  'ECO',
  'CA',
  'VE',
  'SW',
  'RE',
  'TC',
  'FU',
  'MU',
  'PI',
  'GL',
];
export const PORT_MODES: readonly PortMode[] = [
  'CLOSED',
  'OPEN',
  'AUTO',
  'INSERT',
  'SWAP',
  'SEQUENCE',
  'DISABLED',
  'MULTIPORT_PUPPET',
  'RUNOUT',
];
export const CASE_STATES: readonly CaseState[] = [
  'NOOP',
  'EREQ',
  'ERSO',
  'ECMP',
  'IREQ',
  'IRTR',
  'ICRC',
  'ICIN',
  'ICMP',
];

/** Where a target is and how long to wait for it. */
export interface TargetConfig {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly rigToken?: string;
  /** Deadline of one call, whole exchange, in milliseconds (default 10 000). */
  readonly timeoutMs: number;
  /** Reading stops here (default 1 MiB). */
  readonly maxResponseBytes: number;
}
