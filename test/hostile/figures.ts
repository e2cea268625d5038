// Measures everything docs/reliability.md reports and prints it as Markdown, at full size: the corpus, the
// races, slow clients at the emulator's real limits (this waits 30 s), a soak of 50,000 calls, and the harness
// against every hostile target. About two minutes.
//   node --import tsx test/hostile/figures.ts [--soak=50000] [--only=corpus,concurrency,slow,soak,harness]

import { availableParallelism, cpus } from 'node:os';
import { measureConcurrency, measureCorpus, measureSlowClients, measureSoak } from './emulator-figures.ts';
import type { HarnessRun } from './harness.ts';
import { measureHostileHarness } from './harness-figures.ts';

const args = process.argv.slice(2);
const soakCalls = Number(args.find((a) => a.startsWith('--soak='))?.slice(7) ?? 50_000);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const wanted = (part: string) => only === undefined || only.includes(part);

const out: string[] = [];
const say = (line = '') => {
  out.push(line);
  console.log(line);
};
const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]) => {
  say(`| ${head.join(' | ')} |`);
  say(`| ${head.map(() => '---').join(' | ')} |`);
  for (const row of rows) say(`| ${row.join(' | ')} |`);
  say();
};
const code = (text: string) => `\`${text.replaceAll('|', '\\|').replaceAll('`', "'")}\``;

say(
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'an unknown CPU'} (${availableParallelism()} cores), Node ${process.version}.`,
);
say();

if (wanted('corpus')) {
  const corpus = await measureCorpus();
  say('### The bad-input corpus');
  say();
  say(
    `${corpus.inputs} inputs (${corpus.overUndici} over undici, ${corpus.overRawSockets} over raw sockets) in ${corpus.seconds.toFixed(1)} s.`,
  );
  say();
  table(
    ['category', 'inputs'],
    Object.entries(corpus.byCategory).map(([k, v]) => [k, v]),
  );
  table(
    ['answer', 'count'],
    Object.entries(corpus.byAnswer).map(([k, v]) => [k, v]),
  );
  say(
    `5xx: ${corpus.serverErrors.length}. Dropped connections: ${corpus.dropped.length}. Refused input not answered 4xx, or any success: ${corpus.wrongAnswers.length}. State changes (ports 1-2000 and events, through the rig): ${corpus.stateChanges.length}. Prototype pollution: ${corpus.pollution.length}. The sample call afterwards: ${corpus.validCallAfter.join(', then ')}.`,
  );
  for (const offence of [...corpus.serverErrors, ...corpus.dropped, ...corpus.wrongAnswers])
    say(`- ${offence.category} / ${offence.name}: ${offence.got}`);
  say();
  say(`Slowest answers: ${corpus.slowest.map((s) => `${s.name} ${s.ms} ms`).join('; ')}.`);
  say();
}

if (wanted('concurrency')) {
  const concurrency = await measureConcurrency(10, 3000);
  say('### Concurrency');
  say();
  const outcomes = new Map<string, number>();
  for (const round of concurrency.cancelRounds) {
    const text = Object.entries(round)
      .map(([answer, n]) => `${n} × ${answer}`)
      .join(', ');
    outcomes.set(text, (outcomes.get(text) ?? 0) + 1);
  }
  say(
    `100 simultaneous cancels of port 4 in error (half XML, half JSON), ${concurrency.rounds} rounds: ${[...outcomes].map(([text, n]) => `${n} round(s) ${text}`).join('; ')}. Log Publisher lines per round: ${concurrency.eventsPerRound.join(', ')}.`,
  );
  say();
  const race = concurrency.race;
  say(
    `Race: ${race.rigWrites} rig writes (PUT or DELETE of port 4), ${race.rigReads} rig reads and ${race.cancels} cancels, shuffled, 48 at a time.`,
  );
  say();
  table(
    ['reads of port 4', 'count'],
    Object.entries(race.reads).map(([k, v]) => [k, v]),
  );
  table(
    ['cancel answers', 'count'],
    Object.entries(race.answers).map(([k, v]) => [k, v]),
  );
  say(
    `Torn reads: ${race.tornReads.length}. Answers that fit no state: ${race.impossibleAnswers.length}. Successes ${race.successes}, Log Publisher lines ${race.events}.`,
  );
  say();
}

if (wanted('slow')) {
  const slow = await measureSlowClients({ perKind: 10, calls: 200 });
  say('### Slow clients (real limits)');
  say();
  say(
    `Limits: headers ${slow.limits.headersTimeout} ms, request ${slow.limits.requestTimeout} ms, keep-alive ${slow.limits.keepAliveTimeout} ms. ${slow.slowClients} slow connections; ${slow.callsMeanwhile} calls meanwhile: ${JSON.stringify(slow.answersMeanwhile)}, slowest ${slow.slowestCallMs} ms; slow connections still open when they were done: ${slow.slowStillOpen}.`,
  );
  say();
  table(
    ['slow client', 'cut off after', 'told'],
    Object.entries(slow.cutOff).map(([kind, cut]) => [
      kind,
      `${(cut.afterMs / 1000).toFixed(1)} s`,
      code(cut.told),
    ]),
  );
}

if (wanted('soak')) {
  const soak = await measureSoak(soakCalls, { samples: 5 });
  say(`### Soak`);
  say();
  say(
    `${soak.calls} calls, 32 at a time, in ${soak.seconds.toFixed(1)} s (${soak.callsPerSecond} calls/s). Wrong answers: ${soak.wrong.length}.`,
  );
  say();
  table(
    ['answer', 'count'],
    Object.entries(soak.answers).map(([k, v]) => [k, v]),
  );
  table(
    ['after calls', 'RSS (MiB)', 'RSS after GC (MiB)', 'JS heap after GC (MiB)'],
    soak.memory.map((m) => [m.afterCalls, m.rss, m.rssAfterGc, m.heapAfterGc]),
  );
}

if (wanted('harness')) {
  const hostile = await measureHostileHarness();
  const lastLine = (run: HarnessRun) =>
    run.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .join(' / ');
  say('### The harness against hostile targets');
  say();
  table(
    ['target', 'exit', 'time', 'what the harness said'],
    [
      [
        'nothing listens',
        hostile.nothingListens.code ?? 'killed',
        `${hostile.nothingListens.ms} ms`,
        code(lastLine(hostile.nothingListens)),
      ],
      [
        'accepts, never answers (not even the preflight)',
        hostile.silent.code ?? 'killed',
        `${hostile.silent.ms} ms`,
        code(lastLine(hostile.silent)),
      ],
      ...hostile.behaviours.map((behaviour, index) => {
        const verdict = hostile.misbehaving.verdicts[index];
        const reason = (verdict?.reason ?? '').replace(/^AssertionError: /, '');
        return [`${behaviour.name} (--timeout=2000)`, '', '', `${verdict?.verdict}: ${code(reason)}`];
      }),
      [
        'the eight above, one run',
        hostile.misbehaving.code ?? 'killed',
        `${hostile.misbehaving.ms} ms`,
        `${hostile.misbehaving.verdicts.length} scenarios, each its own verdict`,
      ],
      [
        'hangs on the call, no --timeout',
        hostile.defaultTimeout.code ?? 'killed',
        `${hostile.defaultTimeout.ms} ms`,
        `${hostile.defaultTimeout.verdicts[0]?.verdict}: ${code(hostile.defaultTimeout.verdicts[0]?.reason ?? '')}`,
      ],
      [
        'hangs on the call, profile timeouts.call_ms 700',
        hostile.profileTimeout.code ?? 'killed',
        `${hostile.profileTimeout.ms} ms`,
        `${hostile.profileTimeout.verdicts[0]?.verdict}: ${code(hostile.profileTimeout.verdicts[0]?.reason ?? '')}`,
      ],
    ],
  );
  say(
    `The 50 MiB target wrote ${hostile.hugeBytesWritten} bytes before the harness stopped reading; the drips wrote ${hostile.dripBytesWritten} bytes; requests that reached the redirect's Location: ${hostile.redirectHits}.`,
  );
  say();
}
