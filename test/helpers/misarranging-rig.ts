// A rig that does not do what it is asked (docs/rig-control.md fixes that a PUT leaves the port with exactly the state
// sent, a DELETE leaves none): the emulator's rig behind a loopback proxy that clears case_error in every PutState it
// passes on (dropError), or answers DELETE itself with 204 and keeps the port (keepOnDelete; such a rig then has no
// POST /batch, so that every DELETE comes alone). Test-only, on 127.0.0.1: the harness must call the scenarios it
// cannot judge on it INCONCLUSIVE, never blame the controller.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEmulator } from '../../emulator/index.ts';

export interface Misarranging {
  /** case_error false in every PUT, whatever was sent. */
  readonly dropError?: boolean;
  /** DELETE answered 204 and not done. */
  readonly keepOnDelete?: boolean;
}

function withoutError(body: string): string {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const clear = (state: unknown) =>
    typeof state === 'object' && state !== null ? { ...state, case_error: false } : state;
  if (Array.isArray(parsed.steps))
    return JSON.stringify({
      ...parsed,
      steps: parsed.steps.map((step: Record<string, unknown>) =>
        step.op === 'put' ? { ...step, state: clear(step.state) } : step,
      ),
    });
  return JSON.stringify(clear(parsed));
}

export async function misarrangingRig(
  target: RunningEmulator,
  how: Misarranging,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target.rigUrl as string);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      if (how.keepOnDelete && path.endsWith('/batch')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no rig endpoint /batch"}');
        return;
      }
      if (how.keepOnDelete && req.method === 'DELETE') {
        res.writeHead(204).end();
        return;
      }
      let body = Buffer.concat(chunks).toString('utf8');
      if (how.dropError && (req.method === 'PUT' || path.endsWith('/batch')) && body.length > 0) {
        try {
          body = withoutError(body);
        } catch {
          // not JSON: passed on as it is, for the rig to refuse
        }
      }
      const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(body)) };
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
