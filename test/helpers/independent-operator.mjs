#!/usr/bin/env node
// The scripted operator (docs/certification.md, "A scripted operator") for independent-controller.mjs run
// without a rig given to the harness: it does the hardware's part through the controller's own maintenance
// listener (the rig API, which the harness is not told of), at INDEP_MAINT_URL (default
// http://127.0.0.1:44002/ctl/rig). Plain JavaScript, node:http only.
import http from 'node:http';

const base = process.env.INDEP_MAINT_URL || 'http://127.0.0.1:44002/ctl/rig';
let input = '';
process.stdin.on('data', (c) => {
  input += c;
});
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  const body = JSON.stringify(req.wanted);
  const r = http.request(
    `${base}/ports/${req.port}`,
    { method: 'PUT', headers: { 'content-type': 'application/json' } },
    (res) => {
      res.resume();
      res.on('end', () => {
        process.stderr.write(`operator: PUT port ${req.port} ${body} -> ${res.statusCode}\n`);
        process.stdout.write(res.statusCode === 204 ? 'confirm\n' : 'not-applicable\n');
      });
    },
  );
  r.on('error', (e) => {
    process.stderr.write(`operator: ${e.message}\n`);
    process.exit(3);
  });
  r.end(body);
});
