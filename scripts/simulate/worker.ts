// A worker process of `hilt simulate` (forked by runner.ts with the tsx loader): runs the tasks the parent
// sends over IPC with the in-process runner and sends results and progress lines back.
import { localRunner, type Paths, type Runner, type Task } from './runner.ts';
import type { SimOptions } from './options.ts';

type ToWorker =
  | { type: 'init'; o: SimOptions; paths: Paths; index: number }
  | { type: 'run'; id: number; task: Task }
  | { type: 'exit' };

const send = (m: unknown) => process.send?.(m);
// the in-process trainer logs every refit with console.log: keep that out of the parent's progress
const trainerLog: string[] = [];
console.log = (...a: unknown[]) => {
  trainerLog.push(a.map(String).join(' '));
  if (trainerLog.length > 2000) trainerLog.splice(0, 500);
};

let runner: Runner | null = null;
let queue: Promise<void> = Promise.resolve();
process.on('message', (m: ToWorker) => {
  if (m.type === 'init')
    runner = localRunner(m.o, m.paths, (line) => send({ type: 'log', line }), undefined, m.index > 0);
  else if (m.type === 'run') {
    queue = queue.then(async () => {
      try {
        send({ type: 'result', id: m.id, value: await runner!.run(m.task) });
      } catch (e) {
        send({
          type: 'error',
          id: m.id,
          message: `${(e as Error).stack}\nlast trainer lines:\n${trainerLog.slice(-20).join('\n')}`,
        });
      }
    });
  } else if (m.type === 'exit') void queue.then(() => process.exit(0));
});
