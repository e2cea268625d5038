// A server in a process of its own (the race needs two): node:http answering a body declared over 1 MiB with 413 and
// Connection: close as soon as its headers are in, closing the socket with the body unread (a reset for a client
// still sending it); anything else with 204, kept alive. Prints its port, then serves until its parent goes.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  if (Number(request.headers['content-length']) > 1024 * 1024) {
    response.writeHead(413, { 'Content-Type': 'text/plain', 'Content-Length': '12', Connection: 'close' });
    response.end('over 1 MiB.\n');
    return;
  }
  request.resume();
  request.on('end', () => response.writeHead(204).end());
});
server.on('clientError', (_error, socket) => socket.destroy());
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
