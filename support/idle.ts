// Work that need not be done now, done while this thread waits: a queue of small tasks, one run a turn of the event
// loop in its check phase (setImmediate), which comes only once nothing else is ready to run. A fuzz loop spends
// about a third of a call waiting for the target's answer (docs/bench.md); what it queues here (requests validated
// ahead, evidence lines) is done in those waits, while the target works on the other core, instead of between
// its requests. The loop polls for I/O between two tasks, so an answer that arrives waits for one task at most.

const queue: (() => void)[] = [];
let head = 0;
let scheduled = false;

/** Queues `task`; it runs in a later turn of the event loop, in order. A task that throws is its own business: it is dropped. */
export function whenIdle(task: () => void): void {
  queue.push(task);
  schedule();
}

function schedule(): void {
  if (scheduled || head >= queue.length) return;
  scheduled = true;
  setImmediate(runOne);
}

function runOne(): void {
  scheduled = false;
  const task = queue[head];
  queue[head++] = noop;
  if (head >= queue.length) {
    queue.length = 0;
    head = 0;
  }
  try {
    task?.();
  } catch {
    // a task reports through what it updates (a memoised verdict, a batch of lines), never by throwing here
  }
  schedule();
}

function noop(): void {}
