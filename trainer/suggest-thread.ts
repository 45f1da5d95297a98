// Suggestions in a worker thread: the trainer posts one refit's probabilities and feature
// sample (transferred, not copied) and keeps serving focus predictions while the lists are computed.
// A newer job supersedes an older one still waiting. Where a worker cannot start, it runs in-process.
import { Worker } from 'node:worker_threads';
import { computeSuggestions, type SuggestionInput } from './suggestions.ts';

type Lists = Record<string, number[]>;

export class SuggestThread {
  private worker: Worker | null = null;
  private job = 0;
  private waiting = new Map<number, { resolve(l: Lists | null): void; reject(e: Error): void }>();

  constructor(private log: (line: string) => void = () => {}) {}

  private start(): Worker | null {
    if (this.worker) return this.worker;
    try {
      // the trainer runs TypeScript through tsx's loader; a worker needs it registered before its entry
      const tsx = import.meta.resolve('tsx/esm/api');
      const entry = new URL('./suggest-worker.ts', import.meta.url).href;
      const w = new Worker(
        `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`,
        { eval: true },
      );
      w.unref();
      w.on('message', (m: { job: number; lists?: Lists; error?: string }) => {
        const p = this.waiting.get(m.job);
        this.waiting.delete(m.job);
        if (m.error) p?.reject(new Error(m.error));
        else p?.resolve(m.lists ?? null);
      });
      w.on('error', (e) => {
        this.log(`suggestion worker failed: ${e.message}`);
        this.fail(e);
      });
      w.on('exit', () => {
        this.worker = null;
        this.fail(new Error('suggestion worker exited'));
      });
      this.worker = w;
    } catch (e) {
      this.log(`no suggestion worker (${(e as Error).message}): computing in-process`);
    }
    return this.worker;
  }

  private fail(e: Error) {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }

  /** The lists for this input; null when a newer job was posted before this one started. */
  compute(input: SuggestionInput): Promise<Lists | null> {
    const w = this.start();
    if (!w) return Promise.resolve(computeSuggestions(input));
    const job = ++this.job;
    // only the newest job matters: answer the older ones waiting with null
    for (const [k, p] of this.waiting) {
      if (k < job) {
        p.resolve(null);
        this.waiting.delete(k);
      }
    }
    const transfer = [input.probs?.buffer, input.features?.buffer, input.sample?.features.buffer].filter(
      (b): b is ArrayBuffer => b instanceof ArrayBuffer,
    );
    return new Promise((resolve, reject) => {
      this.waiting.set(job, { resolve, reject });
      w.postMessage({ job, input }, [...new Set(transfer)]);
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('closed'));
    await this.worker?.terminate();
    this.worker = null;
  }
}
