// Runs (strategy, repeat) pairs: in this process, or spread over worker processes (one per core; each
// run is one JS thread — server, trainer and annotator — so two runs on two cores take half the time).
// Workers are forked with the tsx loader and talk over the IPC channel (scripts/simulate/worker.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadDataset, type Dataset, type Item } from './dataset.ts';
import { prepareTestSet, type TestSet } from './evaluate.ts';
import type { SimOptions, SimStrategy } from './options.ts';
import { truthMap } from './prepare.ts';
import { simulateRun, type RunResult } from './run.ts';

export interface Task {
  strategy: SimStrategy;
  repeat: number;
  ceiling: boolean;
}
export interface TaskResult {
  result: RunResult;
  ceiling: number | null;
}
export interface Runner {
  run(t: Task): Promise<TaskResult>;
  close(): Promise<void>;
}
export interface Paths {
  work: string;
  sessionsDir: string;
  cacheRoot: string;
}

/** The in-process runner (also what each worker runs). */
export function localRunner(
  o: SimOptions,
  p: Paths,
  say: (l: string) => void,
  ds0?: Dataset,
  quietTest = false,
): Runner {
  let ready: Promise<{ ds: Dataset; test: TestSet }> | null = null;
  const truth = new Map<number, Map<number, Item>>();
  return {
    async run({ strategy, repeat, ceiling: wantCeiling }) {
      ready ??= (async () => {
        const ds = ds0 ?? (await loadDataset(o, p.work));
        return { ds, test: await prepareTestSet(ds, o, quietTest ? () => {} : say) };
      })();
      const { ds, test } = await ready;
      if (!truth.has(repeat)) truth.set(repeat, truthMap(ds, p.sessionsDir, repeat));
      const truthOf = truth.get(repeat)!;
      let ceiling: number | null = null;
      const result = await simulateRun(
        {
          o,
          ds,
          test,
          sessionsDir: p.sessionsDir,
          cacheRoot: p.cacheRoot,
          truthOf,
          say,
          onReady: (t) => {
            if (wantCeiling) {
              ceiling = test.ceiling(t, truthOf);
              say(`ceiling (a head on every pool label): ${ceiling?.toFixed(3) ?? '–'}`);
            }
          },
        },
        strategy,
        repeat,
      );
      return { result, ceiling };
    },
    async close() {},
  };
}

type FromWorker =
  | { type: 'log'; line: string }
  | { type: 'result'; id: number; value: TaskResult }
  | { type: 'error'; id: number; message: string };

export function workerRunner(o: SimOptions, p: Paths, say: (l: string) => void, index: number): Runner {
  const file = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const child: ChildProcess = fork(file, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: TaskResult): void; reject(e: Error): void }>();
  let next = 0;
  child.on('message', (m: FromWorker) => {
    if (m.type === 'log') {
      say(m.line);
      return;
    }
    const w = pending.get(m.id);
    pending.delete(m.id);
    if (m.type === 'result') w?.resolve(m.value);
    else w?.reject(new Error(`worker ${index}: ${m.message}`));
  });
  child.on('exit', (code) => {
    for (const w of pending.values()) w.reject(new Error(`worker ${index} exited (${code})`));
    pending.clear();
  });
  child.send({ type: 'init', o, paths: p, index });
  return {
    run(t) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ type: 'run', id, task: t });
      });
    },
    close() {
      return new Promise((r) => {
        if (child.exitCode !== null) {
          r();
          return;
        }
        child.once('exit', () => r());
        child.send({ type: 'exit' });
      });
    },
  };
}

/** Runs every task on the runners, each runner taking the next task when it is free; results in task order. */
export async function runAll(
  tasks: Task[],
  runners: Runner[],
  onDone: (t: Task, r: TaskResult, done: number) => void,
): Promise<TaskResult[]> {
  const out: TaskResult[] = new Array(tasks.length);
  let k = 0,
    done = 0;
  await Promise.all(
    runners.map(async (r) => {
      while (k < tasks.length) {
        const i = k++;
        out[i] = await r.run(tasks[i]);
        onDone(tasks[i], out[i], ++done);
      }
    }),
  );
  return out;
}
