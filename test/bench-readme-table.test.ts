// The README's performance table is written from reports/bench.json, never typed: the renderer and the splice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BenchReportError,
  END,
  parseBenchReport,
  renderTable,
  replaceTable,
  START,
} from './bench/readme-table.ts';

const report = {
  date: '2026-12-02T09:40:12.345Z',
  machine: { cpu: 'AMD EPYC', cores: 2, memoryGiB: 23.5, os: 'Linux 6.18 x64', node: 'v20.20.2' },
  loadavg: { start: [0.52, 1, 2], end: [1.5, 1.2, 2] },
  budgets: [
    {
      name: 'suite / empty run',
      figure: 'suite',
      limit: 1.5,
      direction: 'at-most',
      unit: '×',
      value: 1.62,
      met: false,
    },
    {
      name: 'fuzz / client path, XML',
      figure: 'f',
      limit: 0.5,
      direction: 'at-least',
      unit: '×',
      value: 0.51,
      met: true,
    },
    {
      name: 'p99, JSON',
      figure: 'p',
      limit: 10,
      direction: 'at-most',
      unit: 'ms',
      value: undefined,
      met: false,
    },
  ],
  met: false,
};

describe('the README performance table', () => {
  it('renders the date, the machine, the load and every budget as measured', () => {
    const table = renderTable(parseBenchReport(JSON.stringify(report), 'bench.json'));
    assert.match(
      table,
      /\*\*2026-12-02 09:40 UTC\*\*, AMD EPYC, 2 cores, 23.5 GiB, Linux 6.18 x64, Node 20.20.2/,
    );
    assert.match(table, /load average 0.5 1.0 2.0 at the start, 1.5 1.2 2.0 at the end/);
    assert.match(table, /2 of 3 budgets missed/);
    assert.match(table, /\| suite \/ empty run \| ≤ 1.5 × \| 1.620 × \| \*\*no\*\* \|/);
    assert.match(table, /\| fuzz \/ client path, XML \| ≥ 0.5 × \| 0.510 × \| yes \|/);
    assert.match(table, /\| p99, JSON \| ≤ 10 ms \| not measured \| \*\*no\*\* \|/);
    // an older report has no disk figure, and the line says nothing of it
    assert.doesNotMatch(table, /a file made/);
    // nor what was measured beside a budget
    assert.doesNotMatch(table, /Beside each budget missed/);
  });

  it('says what the same run measured beside each budget missed, and beside no budget met', () => {
    const [suite, fuzz, p99] = report.budgets;
    const withBeside = {
      ...report,
      budgets: [
        { ...suite, beside: '3.1 s against 1.2 s' },
        { ...fuzz, beside: '1.66 requests a validated call' },
        p99,
      ],
    };
    const table = renderTable(parseBenchReport(JSON.stringify(withBeside), 'bench.json'));
    assert.match(
      table,
      /Beside each budget missed, in the same run:\n- suite \/ empty run: 3.1 s against 1.2 s\.$/,
    );
    assert.doesNotMatch(table, /1.66 requests/, 'the fuzz budget was met');
  });

  it('says how fast the reports folder made a file, when the report measured it', () => {
    const withDisk = { ...report, figures: { disk: { files: 500, bytes: 2048, usPerFile: 612 } } };
    const table = renderTable(parseBenchReport(JSON.stringify(withDisk), 'bench.json'));
    assert.match(
      table,
      /at the end; a file made in the reports folder in 612 µs \(the suite makes about 2,250\)\. Medians;/,
    );
  });

  it('says how idle cores wait, when the report read it', () => {
    const polling = {
      ...report,
      machine: { ...report.machine, idle: { driver: 'haltpoll', haltPollNs: 0 } },
    };
    assert.match(
      renderTable(parseBenchReport(JSON.stringify(polling), 'bench.json')),
      /Node 20\.20\.2, cpuidle haltpoll, guest halt polling off;/,
    );
    // the table's machine line of a report without it ends at Node's version, as before
    assert.match(renderTable(parseBenchReport(JSON.stringify(report), 'bench.json')), /Node 20\.20\.2;/);
  });

  it('replaces only what is between the markers', () => {
    const readme = `# title\n\nbefore\n${START}\nold table\n${END}\nafter\n`;
    const out = replaceTable(readme, 'new table');
    assert.equal(out, `# title\n\nbefore\n${START}\nnew table\n${END}\nafter\n`);
    assert.equal(replaceTable(out, 'new table'), out);
  });

  it('refuses a README without the markers once and in order, and a malformed report, with the reason', () => {
    assert.throws(() => replaceTable('no markers', 't'), BenchReportError);
    assert.throws(() => replaceTable(`${END}\n${START}`, 't'), BenchReportError);
    assert.throws(() => replaceTable(`${START}\n${END}\n${START}\n${END}`, 't'), BenchReportError);
    assert.throws(() => parseBenchReport('{', 'bench.json'), /bench.json: not JSON/);
    assert.throws(() => parseBenchReport('{"date":"x"}', 'bench.json'), /machine, loadavg, budgets/);
  });
});
