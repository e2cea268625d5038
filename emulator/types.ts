// The emulator's own vocabulary: ports, the site, calls and answers. Independent of support/ on purpose.

export type Encoding = 'XML' | 'JSON';

export const PORT_TYPES = ['AC', 'CO', 'ECO', 'CA', 'VE', 'SW', 'RE', 'TC', 'FU', 'MU', 'PI', 'GL'] as const;
export const PORT_MODES = [
  'CLOSED',
  'OPEN',
  'AUTO',
  'INSERT',
  'SWAP',
  'SEQUENCE',
  'DISABLED',
  'MULTIPORT_PUPPET',
  'RUNOUT',
] as const;
export const CASE_STATES = ['NOOP', 'EREQ', 'ERSO', 'ECMP', 'IREQ', 'IRTR', 'ICRC', 'ICIN', 'ICMP'] as const;
/** States in which an AutoCase operation is going on (docs/spec/case_cancel.md, AutoCase state). */
export const ACTIVE_CASE_STATES: readonly CaseState[] = ['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN'];

export type PortType = (typeof PORT_TYPES)[number];
export type PortMode = (typeof PORT_MODES)[number];
export type CaseState = (typeof CASE_STATES)[number];

export const PORT_ID_MIN = 1;
export const PORT_ID_MAX = 2000;
export const BIN_ID_MIN = 1;
export const BIN_ID_MAX = 4_000_000;

/** A port as the rig control API describes it. */
export interface PortState {
  readonly type: PortType;
  readonly mode: PortMode;
  readonly selected_bin: number | null;
  readonly case_state: CaseState;
  readonly case_error: boolean;
}

/** Everything a decision reads and writes. Immutable: a decision returns a new one. */
export interface SiteState {
  readonly ports: ReadonlyMap<number, PortState>;
  /** The bins that exist; undefined means every bin id in range exists. */
  readonly bins?: ReadonlySet<number>;
  /** The port of the last successful cancel since the reset: only the cancel-forgets-previous-bin deviation reads it. */
  readonly lastCancelled?: number;
  /**
   * The site file's `hardware_ms`: the AutoCase moves by itself one step every so many ms (emulator/hardware.ts);
   * undefined or 0 for never. A setting of the site, never read by a decision.
   */
  readonly hardwareMs?: number;
}

/** One XML element as the codec read it: its own text (entities decoded) and its child elements. */
export interface XmlElement {
  readonly name: string;
  readonly text: string;
  readonly children: readonly XmlElement[];
}

/**
 * A parameter exactly as it arrived, so that the decision applies the integer rules of its encoding:
 * in XML every element of that name under <params> (more than one is invalid), in JSON the member's value.
 */
export type ParamValue =
  | { readonly encoding: 'XML'; readonly elements: readonly XmlElement[] }
  | { readonly encoding: 'JSON'; readonly value: unknown };

/** A well-formed call: the method name and its parameters; params undefined when none were sent. */
export interface Call {
  readonly method: string;
  readonly encoding: Encoding;
  readonly params: ReadonlyMap<string, ParamValue> | undefined;
}

/** An output parameter of a successful answer. */
export type AnswerValue = number | string;

export type Answer =
  | { readonly kind: 'success'; readonly params: ReadonlyArray<readonly [string, AnswerValue]> }
  | { readonly kind: 'fault'; readonly code: number };

/** What a decision produces: the answer, the site afterwards, and the Log Publisher lines it emitted. */
export interface Decision {
  readonly answer: Answer;
  readonly state: SiteState;
  readonly published: readonly string[];
  /** Lines published a moment after the answer (a deviation's: the faithful emulator publishes with the answer). */
  readonly publishedLater?: readonly string[];
}
