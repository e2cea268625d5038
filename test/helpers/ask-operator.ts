// Asks a scripted operator once, in a process of its own, and prints the reply as JSON: for the tests of what
// happens to the command when this process is ended while it runs.
//
//   node --import tsx test/helpers/ask-operator.ts PROGRAM [ARG...]
import { CommandOperator } from '../../support/arrange/operator-command.ts';

const operator = new CommandOperator(
  { argv: process.argv.slice(2), cwd: process.cwd(), from: '--operator-command' },
  60_000,
);
const reply = await operator.ask({
  instruction: 'put the AutoCase on port 4 into an error',
  port: 4,
  wanted: { type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'EREQ', case_error: true },
});
process.stdout.write(`${JSON.stringify(reply)}\n`);
