// A rig that predates POST /batch: the emulator's rig behind a loopback proxy that answers that one endpoint
// with a status of the test's choosing and passes every other request through.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEmulator } from '../../emulator/index.ts';

/** The emulator's rig behind a proxy that answers `status` (404 by default) to POST /batch, as a rig that predates it. */
export async function withoutBatch(
  target: RunningEmulator,
  status = 404,
): Promise<{ url: string; batches: number; close(): Promise<void> }> {
  const upstream = new URL(target.rigUrl as string);
  let batches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.endsWith('/batch')) {
      batches++;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"no rig endpoint /batch"}');
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    get batches() {
      return batches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
