// junit.xml with the harness's verdicts (it replaces cucumber's own, which knows only passed, failed and
// skipped). PASSED: a plain testcase. FAILED: <failure>. NOT APPLICABLE and INCONCLUSIVE: <skipped> whose
// message starts with the verdict. An expected failure (--expect) is <skipped type="expected-failure">, as
// pytest writes an xfail, so that CI does not gate on it; every testcase carries its verdict as a property.
import { escapeXmlAttribute } from '../xml-escape.ts';
import { type ScenarioVerdict, verdictLine } from './verdicts.ts';

function cdata(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
  const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
  return `<![CDATA[${clean.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function outcomeElement(s: ScenarioVerdict): string {
  const line = escapeXmlAttribute(verdictLine(s));
  if (s.verdict === 'PASSED') return '';
  if (s.verdict === 'FAILED' && s.expected === undefined)
    return `      <failure type="FAILED" message="${line}">${cdata(s.message ?? s.reason ?? '')}</failure>\n`;
  const type = s.expected !== undefined ? 'expected-failure' : s.verdict.toLowerCase().replace(' ', '-');
  return `      <skipped type="${type}" message="${line}"/>\n`;
}

export interface JunitOptions {
  readonly suiteName: string;
  readonly timestamp?: string;
  /** Suite-level properties: target, profile, seed. */
  readonly properties?: Readonly<Record<string, string>>;
}

export function renderJunit(scenarios: readonly ScenarioVerdict[], options: JunitOptions): string {
  const names = new Map<string, number>();
  for (const s of scenarios)
    names.set(`${s.feature}\n${s.name}`, (names.get(`${s.feature}\n${s.name}`) ?? 0) + 1);
  const failures = scenarios.filter((s) => s.verdict === 'FAILED' && s.expected === undefined).length;
  const skipped = scenarios.filter(
    (s) => s.verdict !== 'PASSED' && !(s.verdict === 'FAILED' && !s.expected),
  ).length;
  const time = seconds(scenarios.reduce((sum, s) => sum + s.durationMs, 0));
  const props = Object.entries(options.properties ?? {})
    .map(
      ([name, value]) =>
        `    <property name="${escapeXmlAttribute(name)}" value="${escapeXmlAttribute(value)}"/>\n`,
    )
    .join('');
  const cases = scenarios
    .map((s) => {
      const unique = (names.get(`${s.feature}\n${s.name}`) ?? 0) > 1 ? `${s.name} (line ${s.line})` : s.name;
      const properties = [
        `        <property name="verdict" value="${escapeXmlAttribute(s.verdict)}"/>\n`,
        s.expected !== undefined
          ? `        <property name="expected" value="${escapeXmlAttribute(s.expected)}"/>\n`
          : '',
        s.stale !== undefined
          ? `        <property name="stale-expectation" value="${escapeXmlAttribute(s.stale)}"/>\n`
          : '',
        ...s.requirements.map(
          (r) => `        <property name="requirement" value="${escapeXmlAttribute(r)}"/>\n`,
        ),
      ].join('');
      const steps = s.steps.map((step) => `${step.text} ... ${step.status.toLowerCase()}`).join('\n');
      const out = `${steps}\n\nverdict: ${verdictLine(s)}${s.stale ? `\nexpected to fail (${s.stale}), now passes: update the expectation file` : ''}`;
      return (
        `  <testcase classname="${escapeXmlAttribute(s.feature || s.uri)}" name="${escapeXmlAttribute(unique)}" file="${escapeXmlAttribute(s.uri)}" line="${s.line}" time="${seconds(s.durationMs)}">\n` +
        `      <properties>\n${properties}      </properties>\n` +
        outcomeElement(s) +
        `      <system-out>${cdata(out)}</system-out>\n` +
        '  </testcase>\n'
      );
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuite name="${escapeXmlAttribute(options.suiteName)}" tests="${scenarios.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"${options.timestamp ? ` timestamp="${escapeXmlAttribute(options.timestamp)}"` : ''}>\n` +
    (props ? `  <properties>\n${props}  </properties>\n` : '') +
    cases +
    '</testsuite>\n'
  );
}
