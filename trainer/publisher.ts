// After a lap of the sweep: the head and a validation sample of its predictions (what `hilt export
// --format onnx` checks against), then the suggestion lists and metrics, computed off the loop (a worker
// thread). Before the first model (fewer than two classes labelled), the cold-start lists alone: they need
// only the features, so the first picks of a session are already chosen on purpose. One computation at a time, and a pause of twice its length after it: at 100k images the worker
// takes a few hundred ms, and labels 300 ms apart must not keep a core busy with lists nobody reads yet.
import type { ImageRef } from '../common/protocol.ts';
import type { Sweep } from './sweep.ts';
import type { TrainerTask } from './tasks/task.ts';
import { sendHead } from './trainer-io.ts';
import type { Embedder, TrainerIO } from './types.ts';

/** the least time between two publishes of the lists while the pool is being embedded */
export const LISTS_WHILE_EMBEDDING_MS = 20_000;
/** full predictions sent with a head while the pool is being embedded (the whole publish sends more) */
export const VALIDATION_WHILE_EMBEDDING = 8;

export interface PublishHost {
  readonly impl: TrainerTask | null;
  readonly io: TrainerIO;
  readonly embedder: Embedder;
  readonly version: number;
  readonly sweep: Sweep;
  /** a fit's unfinished part is in flight (the loop kicks when it is done) */
  readonly finishingFit: boolean;
  /** up to `limit` images spread over the embedded ones (once the pool is embedded, the same ones every time) */
  validationSample(limit?: number): ImageRef[];
  sendFull(imgs: ImageRef[]): Promise<void>;
  /** run the loop again (it publishes what went stale, or says ready) */
  kick(): void;
}

export class Publisher {
  /** the pool changed since the last lists: publish when the loop next can */
  stale = false;
  busy = false;
  /** when the last publish started (while embedding, the first lists wait LISTS_WHILE_EMBEDDING_MS from here) */
  private at = Date.now();
  private ms = 0;
  private timer: NodeJS.Timeout | null = null;
  /** the trainer is stopping: a computation it cut short is no failure */
  private closed = false;

  constructor(private host: PublishHost) {}

  /** While the pool is being embedded: the lists of what is embedded so far, at most every LISTS_WHILE_EMBEDDING_MS
   *  (so a large session has model and cold-start picks long before its last image is embedded), and a model
   *  version not saved yet goes out as the head with a small validation sample of embedded images (so it can be
   *  exported before the last image is embedded). The whole publish waits for the queue to drain; `stale` stays
   *  set for that. */
  whileEmbedding(): void {
    if (!this.stale || this.busy || Date.now() - this.at < LISTS_WHILE_EMBEDDING_MS + 2 * this.ms) return;
    const impl = this.host.impl;
    // (a fit being finished does not hold the lists back: they need the patch head only; the head waits for it)
    if (!impl || (!impl.model() && !impl.publishCold)) return;
    if (impl.model() && !this.host.finishingFit && this.headVersion !== this.host.version)
      this.sendHead(this.host.validationSample(VALIDATION_WHILE_EMBEDDING));
    this.run(false);
  }

  /** the model version whose head went out last */
  private headVersion = -1;
  private sendHead(sample: ImageRef[]): void {
    const { impl, io, embedder, version } = this.host;
    sendHead(io, impl!, embedder, version);
    this.headVersion = version;
    void this.host.sendFull(sample);
  }

  /** Publish now, or as soon as the worker is free and has rested. */
  request(): void {
    const { impl } = this.host;
    this.stale = false;
    const model = impl?.model();
    // no model yet: the cold-start lists need only the features (a task that has them says so)
    if (!impl || (!model && !impl.publishCold)) return;
    // the head goes out whole (segmentation: with the crop head of the same labels)
    if (model && this.host.finishingFit) {
      this.stale = true;
      return;
    }
    const wait = this.at + 2 * this.ms - Date.now();
    if (this.busy || wait > 0) {
      this.stale = true;
      if (!this.busy)
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.host.kick();
        }, wait);
      return;
    }
    if (model) this.sendHead(this.host.validationSample());
    this.run(true);
  }

  /** The lists (and, after them, the model quality) of the current model, or the cold-start lists. */
  private run(whole: boolean): void {
    const { impl: maybe, io } = this.host,
      impl = maybe!,
      model = impl.model();
    this.busy = true;
    this.at = Date.now();
    (model
      ? impl.publish({ ...this.host.sweep.collect(), sample: this.host.sweep.sample })
      : impl.publishCold!(this.host.sweep.sample)
    )
      .catch((e) => {
        if (!this.closed) io.log(`publishing failed: ${(e as Error).stack}`);
      })
      .finally(() => {
        this.busy = false;
        this.ms = Date.now() - this.at;
        if (!whole) this.stale = true;
        this.host.kick();
      });
  }

  /** the suggestions of the newest model are out (what `ready` means: hilt simulate then asks for the next image) */
  get settled(): boolean {
    return !this.busy && !this.stale;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
