// Where a scenario is: `features/x.feature:LINE`, the line that re-runs exactly it (its Examples row for an
// outline, else the scenario). Worked out here only: the Before hook notes it, the verdict the After hook
// attaches carries it, and the message-stream reader takes it from there (messages.ts).
import type { GherkinDocument, Pickle } from '@cucumber/messages';

export interface ScenarioPlace {
  readonly uri: string;
  readonly line: number;
}

/** The line of each scenario and Examples row of a document, by AST node id; a document is walked once. */
const linesOfDocument = new WeakMap<GherkinDocument, ReadonlyMap<string, number>>();

function linesOf(document: GherkinDocument): ReadonlyMap<string, number> {
  const known = linesOfDocument.get(document);
  if (known !== undefined) return known;
  const lines = new Map<string, number>();
  for (const child of document.feature?.children ?? []) {
    const scenarios = [child.scenario, ...(child.rule?.children.map((inner) => inner.scenario) ?? [])];
    for (const scenario of scenarios) {
      if (scenario === undefined) continue;
      lines.set(scenario.id, scenario.location.line);
      for (const examples of scenario.examples)
        for (const row of examples.tableBody) lines.set(row.id, row.location.line);
    }
  }
  linesOfDocument.set(document, lines);
  return lines;
}

/** The place of a pickle of the document: its Examples row for an outline, else its scenario (line 0: neither). */
export function scenarioPlace(
  pickle: Pick<Pickle, 'uri' | 'astNodeIds'>,
  document: GherkinDocument,
): ScenarioPlace {
  const deepest = pickle.astNodeIds[pickle.astNodeIds.length - 1] ?? '';
  return { uri: pickle.uri, line: linesOf(document).get(deepest) ?? 0 };
}

/** `features/x.feature:12` */
export function placeOf(scenario: ScenarioPlace): string {
  return `${scenario.uri}:${scenario.line}`;
}
