// allure-cucumberjs's formatter with a writer that neither fsyncs nor blocks: the stock writer syncs every
// result and attachment file to disk (6 of the suite's 19 seconds here), and even without fsync creating
// some 2,800 small files a run on cucumber's main thread held every scenario up (docs/bench.md). The files are
// written by a worker thread (allure-writer-worker.cjs) in the order given; the formatter's finished() waits
// for the last one, so the results are complete when cucumber ends. A crash mid-run loses a report, not data.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IFormatterOptions } from '@cucumber/cucumber';
import AllureCucumberReporter from 'allure-cucumberjs/reporter';
import type { Writer } from 'allure-js-commons/sdk/reporter';

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'allure-writer-worker.cjs');
/** Waiting for the last file past this is a stuck disk, not a slow one. */
const FLUSH_TIMEOUT_MS = 120_000;

type Job =
  | { readonly kind: 'file'; readonly name: string; readonly content: string | Buffer }
  | { readonly kind: 'attachment'; readonly name: string; readonly content: Uint8Array }
  | { readonly kind: 'flush' };

class ReportWriter implements Writer {
  private worker?: Worker;
  private failure?: string;

  constructor(private readonly resultsDir: string) {}

  private post(job: Job, transfer: ArrayBuffer[] = []): void {
    if (!this.worker) {
      // no tsx loader in the worker: it is plain CommonJS
      this.worker = new Worker(WORKER_FILE, { workerData: { resultsDir: this.resultsDir }, execArgv: [] });
      this.worker.on('error', (error) => {
        this.failure ??= error.message;
      });
    }
    this.worker.postMessage(job, transfer);
  }

  private write(name: string, content: string | Buffer): void {
    this.post({ kind: 'file', name, content });
  }

  writeAttachment(name: string, content: Buffer): void {
    // its own copy, handed over rather than cloned (a small Buffer is a view of a shared pool)
    const bytes = new Uint8Array(content);
    this.post({ kind: 'attachment', name, content: bytes }, [bytes.buffer]);
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

  /** Resolves once every file given so far is written; rejects with the first that could not be. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    try {
      const error = await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(
          () => resolve(`the report files were not all written within ${FLUSH_TIMEOUT_MS / 1000} s`),
          FLUSH_TIMEOUT_MS,
        );
        worker.once('message', (answer: { kind: 'flushed'; error?: string }) => {
          clearTimeout(timer);
          resolve(answer.error);
        });
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve(this.failure ?? 'the report writer stopped before it had written every file');
        });
        worker.postMessage({ kind: 'flush' } satisfies Job);
      });
      const failure = this.failure ?? error;
      if (failure !== undefined) throw new Error(`allure-results: ${failure}`);
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }
}

// Typed through its d.ts the default export reads as the module under NodeNext; at run time it is the class.
const Reporter = AllureCucumberReporter as unknown as new (
  options: IFormatterOptions,
) => { finished(): Promise<void> };

export default class HarnessAllureFormatter extends Reporter {
  private readonly writer: ReportWriter;

  constructor(options: IFormatterOptions) {
    const parsed = options.parsedArgvOptions as { resultsDir?: string };
    const writer = new ReportWriter(parsed.resultsDir ?? 'allure-results');
    super({ ...options, parsedArgvOptions: { ...options.parsedArgvOptions, writer } });
    this.writer = writer;
  }

  override async finished(): Promise<void> {
    try {
      await this.writer.close();
    } finally {
      await super.finished();
    }
  }
}
