// allure-cucumberjs's formatter with a writer that skips fsync: the stock writer syncs every result and
// attachment file to disk (6 of the suite's 19 seconds here). A crash mid-run loses a report, not data.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IFormatterOptions } from '@cucumber/cucumber';
import AllureCucumberReporter from 'allure-cucumberjs/reporter';
import type { Writer } from 'allure-js-commons/sdk/reporter';

class ReportWriter implements Writer {
  private made = false;

  constructor(private readonly resultsDir: string) {}

  private write(name: string, content: string | Buffer): void {
    if (!this.made) {
      mkdirSync(this.resultsDir, { recursive: true });
      this.made = true;
    }
    // Written aside and renamed, so a reader never sees half a file.
    const file = path.join(this.resultsDir, name);
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
  }

  writeAttachment(name: string, content: Buffer): void {
    this.write(name, content);
  }

  writeAttachmentFromPath(): void {
    throw new Error('the harness attaches content, never files');
  }

  writeEnvironmentInfo(info: Record<string, string | undefined>): void {
    const lines = Object.entries(info).map(([key, value]) => `${key}=${value ?? ''}`);
    this.write('environment.properties', lines.join('\n'));
  }

  writeCategoriesDefinitions(categories: unknown): void {
    this.write('categories.json', JSON.stringify(categories));
  }

  writeGroup(result: { uuid: string }): void {
    this.write(`${result.uuid}-container.json`, JSON.stringify(result));
  }

  writeResult(result: { uuid: string }): void {
    this.write(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  writeGlobals(name: string, info: unknown): void {
    this.write(name, JSON.stringify(info));
  }
}

// Typed through its d.ts the default export reads as the module under NodeNext; at run time it is the class.
const Reporter = AllureCucumberReporter as unknown as new (options: IFormatterOptions) => object;

export default class HarnessAllureFormatter extends Reporter {
  constructor(options: IFormatterOptions) {
    const parsed = options.parsedArgvOptions as { resultsDir?: string };
    const resultsDir = parsed.resultsDir ?? 'allure-results';
    super({
      ...options,
      parsedArgvOptions: { ...options.parsedArgvOptions, writer: new ReportWriter(resultsDir) },
    });
  }
}
