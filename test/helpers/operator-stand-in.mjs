// The operator stand-in of the end-to-end tests, run by the harness as its scripted operator
// (--operator-command): it forwards the request it is given (stdin, and the HARNESS_OPERATOR_* variables) to the
// test's endpoint on 127.0.0.1 (operator-endpoint.ts), which does at the emulator what the request asks, and
// prints the answer the endpoint gives. With --idle the endpoint only notes the request and nothing is done: the
// stand-in confirms all the same (an operator who says done and did nothing).
//
//   node test/helpers/operator-stand-in.mjs http://127.0.0.1:PORT/ [--idle]
//
// Plain JavaScript, so that each request costs a bare node start (a run asks it for every scenario that needs
// the operator), not tsx's as well.

const INPUT_LIMIT = 64 * 1024;

async function readInput() {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > INPUT_LIMIT) throw new Error(`the request is over ${INPUT_LIMIT} characters`);
  }
  return text;
}

async function main(argv) {
  const [address, mode] = argv;
  const url = new URL(address ?? '');
  if (url.hostname !== '127.0.0.1') throw new Error(`the endpoint must be on 127.0.0.1, not ${url.hostname}`);
  if (mode !== undefined && mode !== '--idle') throw new Error(`unknown argument ${mode}`);
  const request = JSON.parse(await readInput());
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name.startsWith('HARNESS_OPERATOR_')),
  );
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ request, env, act: mode !== '--idle' }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.text()).slice(0, 200);
  if (!response.ok) throw new Error(`the endpoint answered HTTP ${response.status}: ${answer}`);
  process.stdout.write(`${answer}\n`);
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`operator stand-in: ${error?.message ?? String(error)}\n`);
  process.exitCode = 1;
});
