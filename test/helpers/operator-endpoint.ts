// The test's side of the operator stand-in (operator-stand-in.mjs): a loopback HTTP endpoint that does at an
// in-process emulator what each request asks, as a person at the port would (RunningEmulator.operate), and answers
// confirm; or, for a request the stand-in sends with act false, only notes it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEmulator } from '../../emulator/index.ts';
import type { PortState } from '../../support/model.ts';

/** One request as the stand-in forwarded it. */
export interface ForwardedRequest {
  readonly request: {
    readonly protocol: number;
    readonly port: number;
    readonly bin: number | null;
    readonly wanted: PortState;
    readonly instruction: string;
    readonly timeout_s: number;
  };
  /** The HARNESS_OPERATOR_* variables the stand-in was given. */
  readonly env: Readonly<Record<string, string>>;
  readonly act: boolean;
  /** What was done, or why not. */
  readonly outcome: string;
}

export interface OperatorEndpoint {
  readonly url: string;
  readonly requests: ForwardedRequest[];
  close(): Promise<void>;
}

const BODY_LIMIT = 64 * 1024;

/** Serves on 127.0.0.1, an ephemeral port; `emulator()` is the emulator the requests are done at, now. */
export async function serveOperator(emulator: () => RunningEmulator): Promise<OperatorEndpoint> {
  const requests: ForwardedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
      if (body.length > BODY_LIMIT) req.destroy();
    });
    req.on('end', () => {
      try {
        const forwarded = JSON.parse(body) as Omit<ForwardedRequest, 'outcome'>;
        const { port, wanted } = forwarded.request;
        let outcome = 'noted, nothing done';
        if (forwarded.act) {
          const now = emulator().operate(port, {
            mode: wanted.mode,
            selected_bin: wanted.selected_bin,
            case_state: wanted.case_state,
            case_error: wanted.case_error,
          });
          outcome = `port ${port} now ${JSON.stringify(now)}`;
        }
        requests.push({ ...forwarded, outcome });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('confirm');
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
