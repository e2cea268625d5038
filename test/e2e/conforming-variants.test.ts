// The whole suite against a conforming controller that words its answers otherwise than the emulator, each way
// within what docs/spec allows (test/helpers/conforming-proxy.ts, docs/conforming-variants.md): every scenario
// must be PASSED, as straight at the emulator. The variants are combined into two runs, since a run is seconds.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { expectAllPassed } from '../helpers/all-passed.ts';
import {
  type ConformingProxy,
  startConformingProxy,
  type Variants,
  WORDED_AND_CHUNKED,
} from '../helpers/conforming-proxy.ts';
import { runHarness } from '../helpers/run-script.ts';

const TOKEN = 'conforming-variants-token';
const RUN_TIMEOUT_MS = 300_000;

/** No whitespace at all, the barest declaration, a quoted charset, a connection each, 413 early, slower. */
const COMPACT_AND_CLOSING: Variants = {
  xmlDeclaration: '<?xml version="1.0"?>',
  xmlLayout: 'compact',
  xmlContentType: 'APPLICATION/XML; Charset="utf-8"',
  jsonContentType: 'application/json; charset=utf-8',
  connectionClose: true,
  refusalBody: ['html', 'text'],
  earlyOversize: true,
  slow: { every: 10 },
};

describe('the suite against conforming controllers that word their answers otherwise', {
  concurrency: 2,
}, () => {
  let reports: string;
  const started: { emulator: RunningEmulator; proxy: ConformingProxy }[] = [];

  before(async () => {
    reports = await mkdtemp(path.join(tmpdir(), 'conforming-variants-'));
  });

  after(async () => {
    for (const { emulator, proxy } of started) {
      await proxy.close();
      await emulator.close();
    }
    await rm(reports, { recursive: true, force: true });
  });

  async function runAgainst(name: string, variants: Variants, args: readonly string[]) {
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN });
    const proxy = await startConformingProxy(new URL(emulator.taskUrl).origin, variants);
    started.push({ emulator, proxy });
    const dir = path.join(reports, name);
    const run = await runHarness(
      [`--target=${proxy.taskUrl}`, `--rig=${proxy.rigUrl}`, `--reports=${dir}`, ...args],
      { env: { HARNESS_RIG_TOKEN: TOKEN, HARNESS_REPORTS: 'messages' }, timeoutMs: RUN_TIMEOUT_MS },
    );
    const verdicts = await expectAllPassed(dir, run);
    assert.equal(verdicts.counts.FAILED ?? 0, 0);
    assert.equal(verdicts.counts.PASSED, verdicts.scenarios.length);
    // the suite ran, through the proxy: not a run that selected nothing
    assert.ok(verdicts.scenarios.length > 250, JSON.stringify(verdicts.counts));
    assert.ok(proxy.answered() >= verdicts.scenarios.length, `${proxy.answered()} task answers`);
    return proxy;
  }

  it('tabs, CRLF, pairs of tags, JSON reordered, chunked, a 20 ms keep-alive, other refusals: all PASSED, @fuzz too', async (t) => {
    const proxy = await runAgainst('worded', WORDED_AND_CHUNKED, ['--seed=7', '--fuzz-runs=10']);
    t.diagnostic(`idle connections the proxy closed: ${proxy.idleClosed()}`);
  });

  it('compact XML, a connection an answer, 413 before the body, slower answers: all PASSED', async () => {
    await runAgainst('compact', COMPACT_AND_CLOSING, ['--tags', 'not @fuzz']);
  });
});
