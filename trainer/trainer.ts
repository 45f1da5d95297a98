// The live loop: keep the session state from the server's frames (a streamed snapshot, then changes),
// embed from a queue (focus → labelled → rest), and after a ~100 ms debounce refit the head, predict the
// focused images first, then sweep the pool in chunks that send only what changed (trainer/sweep.ts).
// Every step is bounded, so the cost of a label does not grow with the session.
import type { AnnotationMsg, ClassMsg, ImageRef, ServerToTrainer, Task, TrainerStatus } from '../common/protocol.ts';
import { EmbedQueue } from './embed-queue.ts';
import type { FeatureCache, Grid } from './features.ts';
import { FullPredictions } from './full-predictions.ts';
import { isCached, openSessionCache, reuseSharedFeatures, type CachePlace } from './session-cache.ts';
import { SuggestThread } from './suggest-thread.ts';
import type { SuggestionInput } from './suggestions.ts';
import { Sweep, inSample } from './sweep.ts';
import type { Embedder, EmbedMode, TrainerIO } from './types.ts';
import { TASKS, type TrainerTask, type TrainerView } from './tasks/index.ts';
import { predictUpload, statusThrottle } from './trainer-io.ts';
import { Publisher } from './publisher.ts';
import { embedStep, imageSource } from './embed-step.ts';
import { EmbedProgress } from './embed-progress.ts';
import { SideEmbedder } from './side-embed.ts';

export interface TrainerOptions {
  cacheRoot: string | null;
  debounceMs?: number;
  seed?: number;
  /** false: skip the background model-quality work (TrainerView.background) */
  background?: boolean;
}

/** full predictions sent after each refit for `hilt export --format onnx` to validate against */
const VALIDATION_SAMPLE = 32;

export class Trainer implements TrainerView {
  task: Task | null = null;
  /** the session's task, from the registry (null until the task is chosen in the UI) */
  impl: TrainerTask | null = null;
  classes: ClassMsg[] = [];
  images = new Map<number, ImageRef>();
  ann = new Map<number, AnnotationMsg>();
  focus: number[] = [];
  failed = new Map<number, string>();
  cache: FeatureCache | null = null;
  version = 0;
  /** a model was fitted since the last snapshot */
  hasModel = false;
  /** images whose features are stored: a count kept, never recounted */
  readonly embedded = new Set<number>();
  readonly queue = new EmbedQueue((i) => this.embedded.has(i.id), this.failed);
  /** embedding progress lines for the terminal */
  private readonly progress: EmbedProgress;
  readonly sweep: Sweep;
  private suggester: SuggestThread;
  /** the snapshot being received (P10): the loop waits for its end */
  private receiving: number | null = null;
  private order: ImageRef[] = [];
  private dirty = false;
  private publisher = new Publisher(this);
  /** the full predictions of single images, and the final ones kept for the current model */
  private readonly full = new FullPredictions(this, () => this.closed);
  /** embeddings of pictures that are no session images (region crops, augmented copies) */
  private readonly side: SideEmbedder;
  private lastChange = 0;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private sessionDir: string | null = null;
  private sessionName = '';
  private status_: (s: TrainerStatus) => void;
  readonly debounceMs: number;
  get background(): boolean {
    return this.opts.background ?? true;
  }

  constructor(
    public io: TrainerIO,
    public embedder: Embedder,
    private opts: TrainerOptions,
  ) {
    this.debounceMs = opts.debounceMs ?? 100;
    this.progress = new EmbedProgress((l) => io.log(l));
    this.sweep = new Sweep((m) => io.send(m));
    this.suggester = new SuggestThread((l) => io.log(l));
    this.side = new SideEmbedder(embedder, () => this.closed);
    this.status_ = statusThrottle((s) => io.send({ type: 'status', status: s }));
  }

  get mode(): EmbedMode {
    return this.impl?.embedMode ?? 'pooled';
  }
  suggest(input: SuggestionInput) {
    return this.suggester.compute(input);
  }

  status(phase: TrainerStatus['phase'], message = ''): void {
    this.status_({
      phase,
      message,
      embedded: this.embedded.size,
      total: this.images.size,
      device: this.embedder.info.device,
      backbone: this.embedder.info.backbone,
      backboneNote: this.embedder.info.note,
      modelVersion: this.shownVersion,
    });
  }

  /** the model version the status names: none until this session's first fit (a reset leaves none) */
  get shownVersion(): number {
    return this.hasModel ? this.version : 0;
  }

  isEmbedded(i: ImageRef): boolean {
    return this.embedded.has(i.id);
  }

  onMessage(msg: ServerToTrainer): void {
    try {
      this.handle(msg);
    } catch (e) {
      this.io.log(`error handling ${msg.type}: ${(e as Error).stack}`);
    }
  }

  private handle(msg: ServerToTrainer): void {
    switch (msg.type) {
      case 'snapshot':
        this.receiving = msg.id;
        this.task = msg.task;
        this.classes = msg.classes;
        this.sessionDir = msg.sessionDir;
        this.sessionName = msg.session;
        this.impl?.reset(); // stops its background work (model quality) on the old session state
        this.impl = msg.task ? TASKS[msg.task].create(this) : null;
        this.images = new Map();
        this.ann = new Map();
        this.embedded.clear();
        this.sweep.reset();
        this.resetHeads();
        this.hasModel = false;
        this.progress.reset();
        this.status('loading', `receiving ${msg.images} images`);
        break;
      case 'snapshot-images':
        if (msg.id === this.receiving) for (const i of msg.images) this.images.set(i.id, i);
        break;
      case 'snapshot-annotations':
        if (msg.id === this.receiving) for (const a of msg.annotations) this.ann.set(a.imageId, a);
        break;
      case 'snapshot-end':
        if (msg.id !== this.receiving) break;
        this.receiving = null;
        this.openCache();
        this.order = [...this.images.values()];
        this.reuseShared();
        for (const i of this.order) if (this.cached(i)) this.embedded.add(i.id);
        this.queue.reset(this.order, this.ann.keys(), this.images);
        this.progress.begin(this.embedded.size, this.images.size);
        this.markDirty();
        this.kick();
        break;
      case 'annotation':
        if (msg.annotation) this.ann.set(msg.imageId, msg.annotation);
        else this.ann.delete(msg.imageId);
        this.impl?.annotationChanged(msg.imageId);
        if (msg.annotation && this.receiving === null) this.queue.annotated(this.images.get(msg.imageId));
        this.markDirty();
        break;
      case 'classes': {
        this.classes = msg.classes;
        if (msg.reset) {
          this.resetHeads();
          this.version++;
          this.io.log('a class was removed: head reset');
        }
        this.markDirty();
        break;
      }
      case 'images':
        for (const i of msg.images) {
          this.images.set(i.id, i);
          this.order.push(i);
          if (this.cached(i)) this.embedded.add(i.id);
        }
        this.queue.add(msg.images);
        this.progress.begin(this.embedded.size, this.images.size);
        this.kick();
        break;
      case 'focus':
        this.focus = [msg.imageId, ...this.focus.filter((f) => f !== msg.imageId)].slice(0, 4);
        void this.predictFocused(msg.imageId);
        this.kick();
        break;
      // a snapshot follows and resets the heads: the old model is not named meanwhile
      case 'reset':
        this.hasModel = false;
        this.io.log(`${msg.reason}: reloading the session`);
        break;
      case 'predict':
        void predictUpload(this, msg.requestId, Buffer.from(msg.image, 'base64'));
        break;
      // connection frames: the socket client acts on them (reconnects, logs)
      case 'welcome':
      case 'error':
      case 'pong':
        break;
      default: {
        // every server → trainer frame type has a case: a new one without a case does not compile
        const unhandled: never = msg;
        void unhandled;
      }
    }
  }

  private cached(i: ImageRef): boolean {
    return isCached(this.cache, this.mode, i);
  }

  private resetHeads() {
    this.impl?.reset();
  }

  private get cachePlace(): CachePlace {
    return {
      cacheRoot: this.opts.cacheRoot,
      sessionDir: this.sessionDir,
      sessionName: this.sessionName,
      backboneKey: this.embedder.info.key,
      mode: this.mode,
    };
  }

  private openCache() {
    if (this.task) this.cache = openSessionCache(this.cache, this.cachePlace);
    else {
      this.cache?.close();
      this.cache = null;
    }
  }

  /** Copy the features of images not cached yet from other sessions' stores of this cache key. */
  private reuseShared() {
    if (!this.cache) return;
    const t0 = performance.now();
    const copied = reuseSharedFeatures(
      this.cache,
      this.cachePlace,
      this.order.filter((i) => !this.cached(i)),
    );
    if (copied)
      this.io.log(
        `reused ${copied} features from other sessions (same images, same backbone) in ${(performance.now() - t0).toFixed(0)} ms`,
      );
  }

  private markDirty() {
    this.dirty = true;
    this.lastChange = Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), this.debounceMs);
  }

  kick(): void {
    if (!this.running) void this.pump();
  }

  /** One step at a time, each bounded: a due refit first, then a sweep step and an embedding batch. */
  private async pump(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        if (!this.task) {
          if (this.receiving === null) this.status('idle', 'waiting for the task to be chosen in the UI');
          break;
        }
        if (this.receiving !== null || !this.cache || !this.impl) break; // the snapshot's end kicks the loop
        if (this.dirty && Date.now() - this.lastChange >= this.debounceMs) {
          await this.refit();
          continue;
        }
        let worked = this.sweepStep();
        const batch = this.queue.next(this.embedder.batchSize, this.focus, this.images);
        if (batch.length) {
          await this.embedBatch(batch);
          this.publisher.whileEmbedding();
          worked = true;
        }
        if (worked) {
          await new Promise((r) => setImmediate(r));
          continue;
        }
        // idle: a pending label waits for its debounce timer, which kicks the loop again
        this.cache.flush();
        this.sweep.flush();
        if (this.dirty) {
          // the debounce timer can fire a millisecond before Date.now() says the debounce has passed: wait
          // out the rest, or the refit would wait for the next label
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => this.kick(), Math.max(1, this.debounceMs - (Date.now() - this.lastChange)));
          break;
        }
        // a lap waiting for its gap publishes when it ends; ready = the newest lists and named maps are out
        if (this.sweep.lapDue) break;
        if (this.publisher.stale) this.publisher.request();
        if (this.publisher.settled && !this.full.naming)
          this.status(this.shownVersion ? 'ready' : 'idle', this.idleMessage());
        break;
      }
    } catch (e) {
      this.io.log(`loop error: ${(e as Error).stack}`);
      this.status('error', (e as Error).message);
    } finally {
      this.running = false;
    }
  }

  idleMessage(): string {
    const labelled = this.impl?.labelledCount() ?? 0;
    return this.shownVersion ? '' : `label at least 2 classes to train (${labelled} labelled so far)`;
  }

  /** Predict the next few MB of the pool with the current head; a finished lap publishes suggestions. */
  private sweepStep(): boolean {
    if (!this.impl?.model() || !this.cache) return false;
    const step = this.sweep.step(
      this.cache.rows(this.mode === 'grid' ? 'grid' : 'pooled'),
      (id) => this.embedded.has(id),
      (ids, values, shapes) => this.record(ids, values, shapes),
      () => this.kick(),
    );
    // suggestions once everything is embedded (until then the idle loop publishes when the queue drains)
    if (step === 'lap') {
      if (this.queue.empty) this.publisher.request();
      else this.publisher.stale = true;
    }
    return step !== false;
  }

  private record(ids: number[], values: Float32Array, shapes: { h: number; w: number; d: number }[]): void {
    const impl = this.impl!,
      m = impl.model();
    const p = m && impl.predictRows(ids, values, shapes);
    if (!p) return;
    const n = this.images.size;
    this.sweep.record(ids, p, impl.classIds().slice(0, m.C), this.version, (id) => this.ann.has(id) || inSample(id, n));
  }

  /** set by close(): no more crop embeddings (the embedder is disposed next) */
  private closed = false;
  /** fits' unfinished parts (finishFit) in flight: the head is published, and the loop ready, after them */
  private finishing = 0;
  get finishingFit(): boolean {
    return this.finishing > 0;
  }

  embedCrops(crops: Uint8Array[], side: number): Promise<Float32Array[]> {
    return this.side.embedCrops(crops, side);
  }

  embedImages(images: Buffer[]): Promise<Grid[]> {
    return this.side.embedImages(images);
  }

  readImage(id: number): Promise<Buffer | string> {
    const img = this.images.get(id);
    return img ? imageSource(this.io, img)() : Promise.reject(new Error(`no image ${id}`));
  }

  private async embedBatch(batch: ImageRef[]): Promise<void> {
    const { ids, values, shapes } = await embedStep(this, batch);
    if (ids.some((id) => this.ann.has(id))) this.markDirty();
    this.status('embedding');
    this.progress.update(this.embedded.size, this.images.size);
    if (!ids.length) return;
    // no model: the cold-start lists take the new images in when the queue drains
    this.publisher.stale = true;
    // a model exists: newly embedded images are predicted now (as deltas), suggestions when the queue drains
    if (this.impl?.model()) {
      this.record(ids, values, shapes);
      for (const id of ids) if (this.focus.includes(id)) void this.predictFocused(id);
    }
  }

  /** A focused image gets its full prediction right away when the model and its features exist. */
  predictFocused(id: number): Promise<void> {
    const img = this.images.get(id);
    if (!img || !this.cache || !this.isEmbedded(img)) return Promise.resolve();
    return this.sendFull([img], { again: true });
  }

  /** Full predictions of these images now (trainer/full-predictions.ts); resolves once their second pass is
   *  sent or dropped. With `again`, an image whose final prediction of this model is out gets it again. */
  sendFull(imgs: ImageRef[], o: { again?: boolean } = {}): Promise<void> {
    return this.full.send(imgs, o);
  }

  /** a refit is running (its awaits let other work in) */
  private refitting = false;
  busy(): boolean {
    return this.dirty || this.refitting || this.finishing > 0 || this.full.naming > 0;
  }

  private async refit(): Promise<void> {
    this.dirty = false;
    this.refitting = true;
    const changedAt = this.lastChange;
    this.status('fitting');
    const t0 = performance.now();
    try {
      const fitted = this.impl ? await this.impl.fit() : null;
      // no model yet: the loop publishes the cold-start lists for these labels, then says idle
      if (!fitted) {
        this.publisher.stale = true;
        return;
      }
      const finishing = this.impl!.finishFit?.();
      if (finishing) {
        this.finishing++;
        void finishing.finally(() => {
          this.finishing--;
          if (!this.finishing && !this.closed) this.kick();
        });
      }
      this.sweep.flush(); // the previous model's changes go first
      this.version++;
      this.hasModel = true;
      const fitMs = performance.now() - t0;
      const named = this.focus.map((id) => this.predictFocused(id));
      this.io.log(
        `model v${this.version}: ${fitted} in ${fitMs.toFixed(0)} ms; focused prediction sent ${Date.now() - changedAt} ms after the change`,
      );
      const m = this.impl!.model()!;
      // a lap covers every row written so far (the buffered ones included)
      const store = this.cache?.rows(this.mode === 'grid' ? 'grid' : 'pooled');
      store?.flush();
      this.sweep.model(this.impl!.classIds().slice(0, m.C), store?.records ?? 0);
      this.publisher.stale = true;
      // a bounded fit that has not converged goes on at once, once its focused maps are out (named too)
      if (this.impl!.fitPending?.()) {
        await Promise.all(named);
        this.dirty = true;
      }
    } catch (e) {
      this.io.log(`fit failed (${this.task}, ${this.ann.size} annotations): ${(e as Error).stack}`);
      this.status('error', `fit failed: ${(e as Error).message}`);
    } finally {
      this.refitting = false;
    }
  }

  /** Up to `limit` images spread over the embedded ones (once the pool is embedded, the same ones every time). */
  validationSample(limit = VALIDATION_SAMPLE): ImageRef[] {
    const embedded = this.order.filter((i) => this.embedded.has(i.id));
    const step = Math.max(1, Math.floor(embedded.length / limit));
    const out: ImageRef[] = [];
    for (let k = 0; k < embedded.length && out.length < limit; k += step) out.push(embedded[k]);
    return out;
  }

  /** Write what is buffered and stop the worker (the process is exiting or the trainer is replaced). */
  async close(): Promise<void> {
    this.closed = true;
    this.publisher.close();
    this.sweep.close();
    this.cache?.close();
    this.cache = null;
    await this.suggester.close();
  }
}
