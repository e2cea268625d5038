// Measuring the emulator under hostile input: the corpus, races, slow clients and a soak. Each function
// returns its figures; the tests assert on them and test/hostile/figures.ts prints them for docs/reliability.md.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, connect, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { NO_DEVIATIONS } from '../../emulator/deviations.ts';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { createEmulatorServer } from '../../emulator/server.ts';
import { loadSite } from '../../emulator/site.ts';
import { SiteStore } from '../../emulator/store.ts';
import {
  ARMED_JSON,
  ARMED_XML,
  buildCorpus,
  type CorpusEntry,
  HARMLESS_JSON,
  HARMLESS_XML,
  RIG_PATH,
  TASK_PATH,
} from './corpus.ts';
import {
  type Answered,
  newAgent,
  pool,
  rigSnapshot,
  seeded,
  sendHttp,
  sendRawBytes,
  snapshotDiff,
} from './probe.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** An answer in words: `400`, `200 fault 1004`, `200 success`, `200 unreadable`. */
export function classify(answer: Answered): string {
  if (answer.status === undefined) return 'no answer';
  if (answer.status !== 200) return String(answer.status);
  const body = answer.body ?? '';
  const xml = /<fault>\s*<code>([0-9]+)<\/code>/.exec(body);
  if (xml?.[1] !== undefined) return `200 fault ${xml[1]}`;
  if (/<params\s*\/>|<params>/.test(body)) return '200 success';
  try {
    const json = JSON.parse(body) as { fault?: { code?: unknown }; params?: unknown };
    if (typeof json.fault?.code === 'number') return `200 fault ${json.fault.code}`;
    if (typeof json.params === 'object' && json.params !== null) return '200 success';
  } catch {}
  return '200 unreadable';
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })),
  );
}

/** An emulator in this process, on an ephemeral loopback port, with a random rig token. */
export async function startTestEmulator(): Promise<{
  emulator: RunningEmulator;
  token: string;
  port: number;
}> {
  const token = randomBytes(16).toString('hex');
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: token, quiet: true });
  return { emulator, token, port: Number(new URL(emulator.taskUrl).port) };
}

// --- the emulator in its own process -----------------------------------------------------------

/** One memory reading of the emulator process, in MiB. */
export interface MemorySample {
  readonly afterCalls: number;
  /** Resident memory as the soak left it. */
  readonly rss: number;
  /** Resident memory and the JS heap in use after a full garbage collection. */
  readonly rssAfterGc: number;
  readonly heapAfterGc: number;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

interface EmulatorProcess {
  readonly child: ChildProcess;
  readonly taskUrl: string;
  memory(afterCalls: number): Promise<MemorySample>;
  /** The own property names of the process's Object, Array and Function prototypes. */
  prototypes(): Promise<string[]>;
  close(): Promise<void>;
}

/** The emulator in its own process (test/hostile/emulator-process.ts), and ways to read its memory and prototypes. */
async function startEmulatorProcess(token: string): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/hostile/emulator-process.ts', token],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let errors = '';
  const waiting: ((line: string) => void)[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  child.on('exit', (code) => {
    for (const answer of waiting.splice(0)) answer(`exited (${code}): ${errors.trim()}`);
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (let end = out.indexOf('\n'); end !== -1; end = out.indexOf('\n')) {
      const line = out.slice(0, end);
      out = out.slice(end + 1);
      waiting.shift()?.(line);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the emulator process did not answer within 30 s')),
        30_000,
      );
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const started = await nextLine();
  const taskUrl = /Task Interface: (\S+)/.exec(started)?.[1];
  if (taskUrl === undefined) throw new Error(`the emulator process did not start: ${started}`);
  return {
    child,
    taskUrl,
    async memory(afterCalls) {
      const answer = nextLine();
      child.stdin?.write('memory\n');
      const reading = JSON.parse((await answer).replace(/^memory /, '')) as Record<string, number>;
      return {
        afterCalls,
        rss: mib(reading.rssBefore ?? 0),
        rssAfterGc: mib(reading.rss ?? 0),
        heapAfterGc: mib(reading.heapUsed ?? 0),
      };
    },
    async prototypes() {
      const answer = nextLine();
      child.stdin?.write('prototypes\n');
      return JSON.parse((await answer).replace(/^prototypes /, '')) as string[];
    },
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5_000);
        if (child.exitCode !== null) {
          clearTimeout(timer);
          resolve();
          return;
        }
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin?.end();
      }),
  };
}

// --- 1. the bad-input corpus ---------------------------------------------------------------------

export interface Offence {
  readonly category: string;
  readonly name: string;
  readonly got: string;
}

export interface CorpusFigures {
  readonly inputs: number;
  readonly overUndici: number;
  readonly overRawSockets: number;
  readonly byCategory: Record<string, number>;
  readonly byAnswer: Record<string, number>;
  /** Answers with a 5xx status. */
  readonly serverErrors: Offence[];
  /** No complete HTTP answer: dropped, or nothing within the deadline. */
  readonly dropped: Offence[];
  /** A refused entry answered other than 4xx, or any entry answered a success. */
  readonly wrongAnswers: Offence[];
  /** Lines of the rig read-back (every port 1-2000 and the events) that differ after the corpus. */
  readonly stateChanges: string[];
  /** Object.prototype properties that appeared while the corpus ran (prototype pollution). */
  readonly pollution: string[];
  /** What the armed call answered after the corpus, in XML then JSON. */
  readonly validCallAfter: [string, string];
  /** The inputs that took longest to answer (a figure: the emulator parses each body on its one thread). */
  readonly slowest: { readonly name: string; readonly ms: number }[];
  readonly seconds: number;
}

function judgeEntry(entry: CorpusEntry, answer: Answered): 'ok' | 'server-error' | 'dropped' | 'wrong' {
  if (answer.status === undefined) return 'dropped';
  if (answer.status >= 500) return 'server-error';
  const outcome = classify(answer);
  if (outcome === '200 success') return 'wrong';
  if (entry.expect === 'refused' && !(answer.status >= 400 && answer.status < 500)) return 'wrong';
  if (
    entry.expect === 'no-success' &&
    !(answer.status >= 400 && answer.status < 500) &&
    !/^200 fault/.test(outcome)
  )
    return 'wrong';
  return 'ok';
}

export async function measureCorpus(): Promise<CorpusFigures> {
  const started = performance.now();
  const token = randomBytes(16).toString('hex');
  const emulator = await startEmulatorProcess(token);
  const origin = new URL(emulator.taskUrl).origin;
  const port = Number(new URL(emulator.taskUrl).port);
  const agent = newAgent(8);
  const protoBefore = await emulator.prototypes();
  try {
    const corpus = buildCorpus(token);
    const before = await rigSnapshot(agent, `${origin}${RIG_PATH}`, token);
    const byCategory: Record<string, number> = {};
    const byAnswer: Record<string, number> = {};
    const serverErrors: Offence[] = [];
    const dropped: Offence[] = [];
    const wrongAnswers: Offence[] = [];
    const times: { name: string; ms: number }[] = [];
    await pool(corpus, 6, async (entry) => {
      const answer =
        entry.bytes !== undefined
          ? await sendRawBytes(port, entry.bytes)
          : await sendHttp(agent, origin, entry.request ?? { path: TASK_PATH });
      count(byCategory, entry.category);
      times.push({ name: `${entry.category} / ${entry.name}`, ms: answer.ms });
      const outcome = answer.status === undefined ? 'no answer' : classify(answer);
      count(byAnswer, outcome);
      const verdict = judgeEntry(entry, answer);
      const offence = {
        category: entry.category,
        name: entry.name,
        got: answer.failure ?? `${outcome}: ${(answer.body ?? '').slice(0, 160).trim()}`,
      };
      if (verdict === 'server-error') serverErrors.push(offence);
      else if (verdict === 'dropped') dropped.push(offence);
      else if (verdict === 'wrong') wrongAnswers.push(offence);
    });
    const after = await rigSnapshot(agent, `${origin}${RIG_PATH}`, token);
    const protoAfter = await emulator.prototypes();
    const validXml = await sendHttp(agent, origin, {
      path: TASK_PATH,
      headers: { 'content-type': 'application/xml' },
      body: Buffer.from(ARMED_XML),
    });
    const validJson = await sendHttp(agent, origin, {
      path: TASK_PATH,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(ARMED_JSON),
    });
    return {
      inputs: corpus.length,
      overUndici: corpus.filter((entry) => entry.request !== undefined).length,
      overRawSockets: corpus.filter((entry) => entry.bytes !== undefined).length,
      byCategory,
      byAnswer: sorted(byAnswer),
      serverErrors,
      dropped,
      wrongAnswers,
      stateChanges: snapshotDiff(before, after),
      pollution: protoAfter.filter((key) => !protoBefore.includes(key)),
      validCallAfter: [classify(validXml), classify(validJson)],
      slowest: times.sort((a, b) => b.ms - a.ms).slice(0, 5),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await agent.close();
    await emulator.close();
  }
}

// --- 2. concurrency ------------------------------------------------------------------------------

export interface ConcurrencyFigures {
  readonly rounds: number;
  /** Per round: how the 100 simultaneous cancels of the one port in error were answered. */
  readonly cancelRounds: Record<string, number>[];
  /** Log Publisher lines after each round (one NOOP line expected). */
  readonly eventsPerRound: number[];
  readonly race: RaceFigures;
}

export interface RaceFigures {
  readonly rigWrites: number;
  readonly rigReads: number;
  readonly cancels: number;
  readonly answers: Record<string, number>;
  readonly reads: Record<string, number>;
  /** Reads that are none of the states written (or a cancelled one): a torn state. */
  readonly tornReads: string[];
  /** Cancel answers that fit none of the states. */
  readonly impossibleAnswers: string[];
  /** Successes answered, and Log Publisher lines published: equal when nothing was lost or doubled. */
  readonly successes: number;
  readonly events: number;
}

const ARMED = { type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', case_error: true };
const RACE_STATES = {
  armed: ARMED,
  cancelled: { type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'NOOP', case_error: false },
  closed: { type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP', case_error: false },
  otherBin: { type: 'AC', mode: 'OPEN', selected_bin: 2024, case_state: 'IREQ', case_error: true },
  conveyor: { type: 'CO', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', case_error: true },
} as const;
/** What case_cancel(4, 101337) answers in each state; `deleted` is the port removed by the rig. */
const ANSWER_IN: Record<string, string> = {
  armed: '200 success',
  cancelled: '200 fault 1152',
  closed: '200 fault 1099',
  otherBin: '200 fault 1149',
  conveyor: '200 fault 1087',
  deleted: '200 fault 1000',
};

function stateName(body: string | undefined, status: number | undefined): string {
  if (status === 404) return 'deleted';
  if (status !== 200 || body === undefined) return `unreadable ${status}`;
  const text = JSON.stringify(JSON.parse(body));
  for (const [name, state] of Object.entries(RACE_STATES)) if (JSON.stringify(state) === text) return name;
  return `torn ${text}`;
}

export async function measureConcurrency(rounds = 5, raceOperations = 1200): Promise<ConcurrencyFigures> {
  const { emulator, token } = await startTestEmulator();
  const origin = new URL(emulator.taskUrl).origin;
  const agent = newAgent(128);
  const auth = { authorization: `Bearer ${token}` };
  const rig = (method: string, path: string, body?: unknown) =>
    sendHttp(
      agent,
      origin,
      {
        method,
        path: `${RIG_PATH}${path}`,
        headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
      },
      Number.POSITIVE_INFINITY,
    );
  try {
    const cancelRounds: Record<string, number>[] = [];
    const eventsPerRound: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await rig('POST', '/reset');
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          sendHttp(agent, origin, {
            path: TASK_PATH,
            headers: { 'content-type': index % 2 === 0 ? 'application/xml' : 'application/json' },
            body: Buffer.from(index % 2 === 0 ? ARMED_XML : ARMED_JSON),
          }),
        ),
      );
      const tally: Record<string, number> = {};
      for (const answer of answers)
        count(tally, answer.failure ? `failed: ${answer.failure}` : classify(answer));
      cancelRounds.push(sorted(tally));
      const events = await rig('GET', '/events');
      eventsPerRound.push(
        (JSON.parse(events.body ?? '{"segments":[]}') as { segments: string[] }).segments.length,
      );
    }

    // Rig writes racing calls and reads: every read is one whole state, every answer fits one.
    await rig('POST', '/reset');
    const writes = ['armed', 'closed', 'armed', 'otherBin', 'armed', 'conveyor', 'deleted'] as const;
    const answers: Record<string, number> = {};
    const reads: Record<string, number> = {};
    const tornReads: string[] = [];
    const impossibleAnswers: string[] = [];
    let rigWrites = 0;
    let rigReads = 0;
    let cancels = 0;
    // Shuffled (seeded), so that writes, reads and cancels arrive in every order.
    const random = seeded(0x7ace);
    const operations = Array.from({ length: raceOperations }, (_, index) => index);
    for (let index = operations.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [operations[index], operations[other]] = [operations[other] as number, operations[index] as number];
    }
    await pool(operations, 48, async (index) => {
      const kind = index % 3;
      if (kind === 0) {
        rigWrites++;
        const name = writes[(index / 3) % writes.length] ?? 'armed';
        const answer =
          name === 'deleted'
            ? await rig('DELETE', '/ports/4')
            : await rig('PUT', '/ports/4', RACE_STATES[name]);
        if (answer.status !== 204) impossibleAnswers.push(`rig ${name}: ${answer.status ?? answer.failure}`);
      } else if (kind === 1) {
        rigReads++;
        const answer = await rig('GET', '/ports/4');
        const name = answer.failure ? `failed ${answer.failure}` : stateName(answer.body, answer.status);
        count(reads, name.startsWith('torn') ? 'torn' : name);
        if (!(name in ANSWER_IN)) tornReads.push(name);
      } else {
        cancels++;
        const json = index % 2 === 0;
        const answer = await sendHttp(agent, origin, {
          path: TASK_PATH,
          headers: { 'content-type': json ? 'application/json' : 'application/xml' },
          body: Buffer.from(json ? ARMED_JSON : ARMED_XML),
        });
        const outcome = answer.failure ? `failed ${answer.failure}` : classify(answer);
        count(answers, outcome);
        if (!Object.values(ANSWER_IN).includes(outcome)) impossibleAnswers.push(outcome);
      }
    });
    const events = await rig('GET', '/events');
    const segments = (JSON.parse(events.body ?? '{"segments":[]}') as { segments: string[] }).segments;
    // A rig write that moves the AutoCase state publishes it too: armed ERSO, otherBin IREQ of bin 2024, closed
    // NOOP with no bin selected (0); a conveyor or a deleted port has no AutoCase to report.
    const rigLines = ['AC,4,101337,ERSO', 'AC,4,2024,IREQ', 'AC,4,0,NOOP'];
    const cancelLines = segments.filter((line) => line === 'AC,4,101337,NOOP');
    const strange = segments.filter((line) => line !== 'AC,4,101337,NOOP' && !rigLines.includes(line));
    impossibleAnswers.push(...strange.map((line) => `event ${line}`));
    return {
      rounds,
      cancelRounds,
      eventsPerRound,
      race: {
        rigWrites,
        rigReads,
        cancels,
        answers: sorted(answers),
        reads: sorted(reads),
        tornReads,
        impossibleAnswers,
        successes: answers['200 success'] ?? 0,
        events: cancelLines.length,
      },
    };
  } finally {
    await agent.close();
    await emulator.close();
  }
}

// --- 3. slow clients -----------------------------------------------------------------------------

export interface SlowClientFigures {
  readonly limits: ServerLimits;
  readonly slowClients: number;
  /** Valid calls made while the slow clients held their connections, and how they were answered. */
  readonly callsMeanwhile: number;
  readonly answersMeanwhile: Record<string, number>;
  /** Slow connections still open when the last of those calls was answered: none was cut early. */
  readonly slowStillOpen: number;
  /** The slowest of those calls, in ms (a figure, not a limit). */
  readonly slowestCallMs: number;
  /** When the last slow client of each kind was cut off by the server, and the status line it was told (empty
   *  when not waited for). */
  readonly cutOff: Record<string, { afterMs: number; told: string }>;
}

interface SlowClient {
  readonly kind: string;
  readonly socket: Socket;
  readonly closed: Promise<{ afterMs: number; told: string }>;
  stop(): void;
}

/** Opens a connection that sends `head` and then one byte of `drip` every `everyMs`. */
function slowClient(port: number, kind: string, head: string, drip: string, everyMs: number): SlowClient {
  const opened = performance.now();
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  let sent = 0;
  socket.on('connect', () => {
    if (head !== '') socket.write(head);
    if (drip === '') return;
    timer = setInterval(() => {
      if (socket.destroyed || sent >= drip.length) {
        clearInterval(timer);
        return;
      }
      socket.write(drip.charAt(sent++));
    }, everyMs);
  });
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<{ afterMs: number; told: string }>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Math.round(performance.now() - opened), told: received.split('\r\n')[0] ?? '' });
    });
  });
  return {
    kind,
    socket,
    closed,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

/** The limits the emulator's listener enforces, in ms. */
export interface ServerLimits {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
}

/** The emulator's listener as startEmulator makes it, with its limits (optionally shortened, to watch them act). */
async function startListener(shortened?: ServerLimits): Promise<{
  port: number;
  limits: ServerLimits;
  close(): Promise<void>;
}> {
  const server = createEmulatorServer({
    store: new SiteStore(await loadSite(undefined)),
    deviations: NO_DEVIATIONS,
    rig: true,
    rigToken: randomBytes(16).toString('hex'),
  });
  if (shortened) Object.assign(server, shortened);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    limits: {
      headersTimeout: server.headersTimeout,
      requestTimeout: server.requestTimeout,
      keepAliveTimeout: server.keepAliveTimeout,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Opens slow clients of every kind, makes valid calls while they hold their connections, then (unless
 * waitForCutOff is false) waits for the server to cut each kind off. `shortened` replaces the listener's
 * limits, so that a test need not wait 30 s.
 */
export async function measureSlowClients(
  options: { perKind?: number; calls?: number; shortened?: ServerLimits; waitForCutOff?: boolean } = {},
): Promise<SlowClientFigures> {
  const perKind = options.perKind ?? 10;
  const calls = options.calls ?? 200;
  const listener = await startListener(options.shortened);
  const origin = `http://127.0.0.1:${listener.port}`;
  const agent = newAgent(16);
  const clients: SlowClient[] = [];
  const headers = `POST ${TASK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${HARMLESS_JSON.length}\r\n\r\n`;
  // Slower than any limit lets them finish: each would take longer than the request timeout.
  const dripEvery = Math.ceil((listener.limits.requestTimeout * 1.5) / HARMLESS_JSON.length);
  try {
    for (let index = 0; index < perKind; index++) {
      clients.push(slowClient(listener.port, 'silent after connecting', '', '', dripEvery));
      clients.push(slowClient(listener.port, 'trickles its headers', '', headers, dripEvery));
      clients.push(slowClient(listener.port, 'trickles its body', headers, HARMLESS_JSON, dripEvery));
      clients.push(
        slowClient(
          listener.port,
          'idle keep-alive after a call',
          `${headers}${HARMLESS_JSON}`,
          '',
          dripEvery,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answers: Record<string, number> = {};
    let slowest = 0;
    await pool(
      Array.from({ length: calls }, (_, index) => index),
      8,
      async (index) => {
        const answer = await sendHttp(agent, origin, {
          path: TASK_PATH,
          headers: { 'content-type': index % 2 === 0 ? 'application/xml' : 'application/json' },
          body: Buffer.from(index % 2 === 0 ? HARMLESS_XML : HARMLESS_JSON),
        });
        slowest = Math.max(slowest, answer.ms);
        count(answers, answer.failure ? `failed: ${answer.failure}` : classify(answer));
      },
    );
    const slowStillOpen = clients.filter(
      (client) => !client.socket.destroyed && client.kind !== 'idle keep-alive after a call',
    ).length;
    const cutOff: Record<string, { afterMs: number; told: string }> = {};
    for (const kind of new Set(clients.map((client) => client.kind))) {
      if (options.waitForCutOff === false) break;
      const closes = await Promise.all(clients.filter((client) => client.kind === kind).map((c) => c.closed));
      cutOff[kind] = closes.reduce((a, b) => (b.afterMs > a.afterMs ? b : a));
    }
    return {
      limits: listener.limits,
      slowClients: clients.length,
      callsMeanwhile: calls,
      answersMeanwhile: sorted(answers),
      slowStillOpen,
      slowestCallMs: slowest,
      cutOff,
    };
  } finally {
    for (const client of clients) client.stop();
    await agent.close();
    await listener.close();
  }
}

// --- 4. soak -------------------------------------------------------------------------------------

export interface SoakFigures {
  readonly calls: number;
  readonly wrong: string[];
  readonly answers: Record<string, number>;
  /** The first sample is after start, the second after a warm-up, the last after the last call. */
  readonly memory: MemorySample[];
  readonly callsPerSecond: number;
  readonly seconds: number;
}

interface SoakCall {
  readonly body: string;
  readonly type: string;
  readonly expected: string;
}

/** Calls whose answers do not depend on the order they arrive in (port 4 is re-armed between batches). */
const SOAK_MIX: readonly SoakCall[] = [
  { body: HARMLESS_XML, type: 'application/xml', expected: '200 fault 1152' },
  { body: HARMLESS_JSON, type: 'application/json', expected: '200 fault 1152' },
  {
    body: '{"method":"case_cancel","params":{"port_id":8,"bin_id":1}}',
    type: 'application/json',
    expected: '200 fault 1099',
  },
  {
    body: '{"method":"case_cancel","params":{"port_id":12,"bin_id":101337}}',
    type: 'application/json',
    expected: '200 fault 1087',
  },
  {
    body: '{"method":"case_cancel","params":{"port_id":999,"bin_id":1}}',
    type: 'application/json',
    expected: '200 fault 1000',
  },
  {
    body: '{"method":"case_cancel","params":{"bin_id":1}}',
    type: 'application/json',
    expected: '200 fault 1003',
  },
  {
    body: '{"method":"case_cancel","params":{"port_id":0,"bin_id":1}}',
    type: 'application/json',
    expected: '200 fault 1004',
  },
  {
    body: '{"method":"case_cancel","params":{"port_id":4,"bin_id":"x"}}',
    type: 'application/json',
    expected: '200 fault 1010',
  },
  {
    body: HARMLESS_XML.replace('>6<', '>5<').replace('3003', '2002'),
    type: 'text/xml',
    expected: '200 fault 1153',
  },
  { body: HARMLESS_XML.replace('>6<', '>7<'), type: 'application/xml', expected: '200 fault 1149' },
  { body: `${HARMLESS_XML}>`, type: 'application/xml', expected: '400' },
  { body: '{"method":"no_such","params":{}}', type: 'application/json', expected: '400' },
  { body: HARMLESS_JSON, type: 'image/png', expected: '415' },
];

/**
 * `calls` calls against an emulator process, `width` at a time, in batches of 500; before each batch port 4
 * is re-armed through the rig and cancelled once (success) and again (1152). Every answer is checked; the
 * emulator's memory is read after start, after the first batch (warm-up) and `samples` times more.
 */
export async function measureSoak(
  calls = 50_000,
  options: { width?: number; samples?: number } = {},
): Promise<SoakFigures> {
  const width = options.width ?? 32;
  const samples = options.samples ?? 5;
  const token = randomBytes(16).toString('hex');
  const emulator = await startEmulatorProcess(token);
  const url = new URL(emulator.taskUrl);
  const client = new Pool(url.origin, { connections: width, pipelining: 1 });
  const memory: MemorySample[] = [await emulator.memory(0)];
  const answers: Record<string, number> = {};
  const wrong: string[] = [];
  let made = 0;
  const call = async (body: string, type: string, expected: string): Promise<void> => {
    made++;
    let outcome: string;
    try {
      const response = await client.request({
        method: 'POST',
        path: url.pathname,
        headers: { 'content-type': type },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      outcome = classify({ status: response.statusCode, body: await response.body.text(), ms: 0 });
    } catch (error) {
      outcome = `failed: ${(error as Error).message}`;
    }
    count(answers, outcome);
    if (outcome !== expected && wrong.length < 20)
      wrong.push(`call ${made}: expected ${expected}, got ${outcome}`);
  };
  const rig = async (method: string, rigPath: string, body?: unknown): Promise<number> => {
    const response = await client.request({
      method: method as 'PUT',
      path: `${RIG_PATH}${rigPath}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.body.text();
    return response.statusCode;
  };
  const started = performance.now();
  try {
    const batch = 500;
    const sampleEvery = Math.max(batch, Math.floor(calls / samples));
    let nextSample = batch;
    while (made < calls) {
      if ((await rig('PUT', '/ports/4', ARMED)) !== 204) wrong.push('rig PUT /ports/4 refused');
      await call(ARMED_XML, 'application/xml', '200 success');
      await call(ARMED_JSON, 'application/json', '200 fault 1152');
      const size = Math.min(batch - 2, calls - made);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(width, size) }, async () => {
          while (next < size) {
            const item = SOAK_MIX[(made + next++) % SOAK_MIX.length] ?? SOAK_MIX[0];
            if (item) await call(item.body, item.type, item.expected);
          }
        }),
      );
      if (made >= nextSample || made >= calls) {
        memory.push(await emulator.memory(made));
        nextSample = nextSample === batch ? sampleEvery : nextSample + sampleEvery;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      calls: made,
      wrong,
      answers: sorted(answers),
      memory,
      callsPerSecond: Math.round(made / seconds),
      seconds,
    };
  } finally {
    await client.close();
    await emulator.close();
  }
}
