// The live loop: keep the session state from the server's frames, embed (focus → labelled → rest),
// and after a ~100 ms debounce refit the head, predict the focused image first, then the rest.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnotationMsg, ClassMsg, ImageRef, Prediction, ServerToTrainer, Task, TrainerStatus } from '../server/protocol.ts';
import { FeatureCache } from './features.ts';
import type { Embedder, EmbedItem, EmbedMode, TrainerIO } from './types.ts';
import { TASKS, type TrainerTask, type TrainerView } from './tasks/index.ts';
import { foldedWeights } from './heads/logreg.ts';

export interface TrainerOptions {
  cacheRoot: string | null; debounceMs?: number; seed?: number;
  /** false: skip the background model-quality work (TrainerView.background) */
  background?: boolean;
}

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
  private dirty = false;
  /** images were embedded after the last suggestions were published */
  private stale = false;
  private lastChange = 0;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private sessionDir: string | null = null;
  readonly debounceMs: number;
  get background(): boolean { return this.opts.background ?? true; }

  constructor(public io: TrainerIO, public embedder: Embedder, private opts: TrainerOptions) {
    this.debounceMs = opts.debounceMs ?? 100;
  }

  get mode(): EmbedMode { return this.impl?.embedMode ?? 'pooled'; }

  status(phase: TrainerStatus['phase'], message = ''): void {
    const embedded = [...this.images.values()].filter((i) => this.isEmbedded(i)).length;
    this.io.send({ type: 'status', status: {
      phase, message, embedded, total: this.images.size, device: this.embedder.info.device,
      backbone: this.embedder.info.backbone, backboneNote: this.embedder.info.note, modelVersion: this.version,
    } });
  }

  isEmbedded(i: ImageRef): boolean {
    if (!this.cache) return false;
    return this.mode === 'grid' ? this.cache.hasGrid(i.sha256) : this.cache.hasPooled(i.sha256);
  }

  onMessage(msg: ServerToTrainer): void {
    try { this.handle(msg); } catch (e) { this.io.log(`error handling ${msg.type}: ${(e as Error).stack}`); }
  }

  private handle(msg: ServerToTrainer): void {
    switch (msg.type) {
      case 'snapshot':
        this.task = msg.task; this.classes = msg.classes; this.sessionDir = msg.sessionDir;
        this.impl?.reset(); // stops its background work (model quality) on the old session state
        this.impl = msg.task ? TASKS[msg.task].create(this) : null;
        this.images = new Map(msg.images.map((i) => [i.id, i]));
        this.ann = new Map(msg.annotations.map((a) => [a.imageId, a]));
        this.resetHeads();
        this.openCache();
        this.markDirty(); this.kick(); break;
      case 'annotation':
        if (msg.annotation) this.ann.set(msg.imageId, msg.annotation); else this.ann.delete(msg.imageId);
        this.impl?.annotationChanged(msg.imageId);
        this.markDirty(); break;
      case 'classes': {
        this.classes = msg.classes;
        if (msg.reset) { this.resetHeads(); this.version++; this.io.log('a class was removed: head reset'); }
        this.markDirty(); break;
      }
      case 'images': for (const i of msg.images) this.images.set(i.id, i); this.kick(); break;
      case 'focus':
        this.focus = [msg.imageId, ...this.focus.filter((f) => f !== msg.imageId)].slice(0, 4);
        this.predictFocused(msg.imageId); this.kick(); break;
      case 'reset': this.io.log(`server reset: ${msg.reason}; waiting for a new snapshot`); break;
      case 'predict': void this.predictUpload(msg.requestId, Buffer.from(msg.image, 'base64')); break;
      default: break;
    }
  }

  private resetHeads() { this.impl?.reset(); }

  private openCache() {
    if (!this.task) { this.cache = null; return; }
    const root = this.opts.cacheRoot ?? (this.sessionDir && existsSync(this.sessionDir) ? join(this.sessionDir, 'features') : null);
    const res = this.mode;
    this.cache = new FeatureCache(root ?? join(process.cwd(), '.hilt-cache', 'features'), `${this.embedder.info.key}-${res}`);
  }

  private markDirty() {
    this.dirty = true; this.lastChange = Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), this.debounceMs);
  }

  kick(): void { if (!this.running) void this.pump(); }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        if (!this.task) { this.status('idle', 'waiting for the task to be chosen in the UI'); break; }
        if (!this.cache) this.openCache();
        if (this.dirty && Date.now() - this.lastChange >= this.debounceMs) { await this.refit(); continue; }
        const batch = this.nextBatch();
        if (!batch.length) {
          if (this.dirty) continue;
          if (this.stale && this.version) { this.stale = false; this.publish(); }
          this.status(this.version ? 'ready' : 'idle', this.idleMessage());
          break;
        }
        await this.embedBatch(batch);
      }
    } catch (e) {
      this.io.log(`loop error: ${(e as Error).stack}`);
      this.status('error', (e as Error).message);
    } finally { this.running = false; }
  }

  private idleMessage(): string {
    const labelled = this.impl?.labelledCount() ?? 0;
    return this.version ? '' : `label at least 2 classes to train (${labelled} labelled so far)`;
  }

  private nextBatch(skip: ImageRef[] = []): ImageRef[] {
    const want = this.embedder.batchSize;
    const out: ImageRef[] = [];
    const take = (i: ImageRef | undefined) => {
      if (i && out.length < want && !out.includes(i) && !skip.includes(i) && !this.failed.has(i.id) && !this.isEmbedded(i)) out.push(i);
    };
    for (const id of this.focus) take(this.images.get(id));
    for (const id of this.ann.keys()) { if (out.length >= want) break; take(this.images.get(id)); }
    for (const i of this.images.values()) { if (out.length >= want) break; take(i); }
    return out;
  }

  private source(i: ImageRef): EmbedItem['source'] {
    return async () => {
      if (existsSync(i.path)) return i.path;
      const r = await fetch(`${this.io.httpBase}/api/images/${i.id}/file`, { headers: this.io.httpHeaders });
      if (!r.ok) throw new Error(`server answered ${r.status} for image ${i.id}`);
      return Buffer.from(await r.arrayBuffer());
    };
  }

  private async embedBatch(batch: ImageRef[]): Promise<void> {
    const mode = this.mode;
    const item = (i: ImageRef) => ({ id: i.id, sha: i.sha256, source: this.source(i) });
    const running = this.embedder.embed(batch.map(item), mode);
    this.embedder.prefetch?.(this.nextBatch(batch).map(item), mode);
    const results = await running;
    for (const r of results) {
      const img = this.images.get(r.id);
      if (!img || !this.cache) continue;
      if (r.error) { this.failed.set(r.id, r.error); this.io.log(`image ${r.id} (${img.path}) skipped: ${r.error}`); continue; }
      if (r.pooled) this.cache.putPooled(img.sha256, r.pooled);
      if (r.grid) this.cache.putGrid(img.sha256, r.grid);
      if (this.ann.has(r.id)) this.markDirty();
    }
    this.status('embedding');
    // a model exists: the newly embedded images get predictions now, suggestions when the queue drains
    const fresh = batch.filter((i) => this.isEmbedded(i));
    const items = this.impl?.predict(fresh) ?? [];
    if (items.length) { this.io.send({ type: 'predictions', modelVersion: this.version, items }); this.stale = true; }
  }

  /** A focused image gets its prediction right away when the model and its features exist. */
  predictFocused(id: number): void {
    const img = this.images.get(id);
    if (!img || !this.cache || !this.isEmbedded(img)) return;
    const items = this.impl?.predict([img]) ?? [];
    if (items.length) this.io.send({ type: 'predictions', modelVersion: this.version, items });
  }

  /** POST /api/predict: embed an uploaded image (not cached) and apply the current head. */
  private async predictUpload(requestId: string, bytes: Buffer): Promise<void> {
    const answer = (prediction: Prediction | null, error?: string) => this.io.send({ type: 'predicted', requestId, prediction, error });
    try {
      const impl = this.impl;
      if (!impl?.model()) { answer(null, this.idleMessage() || 'no model yet'); return; }
      const [r] = await this.embedder.embed([{ id: 0, sha: 'upload', source: async () => bytes }], this.mode);
      if (r.error) { answer(null, r.error); return; }
      const p = impl.predictEmbedding(0, r);
      answer(p, p ? undefined : 'the backbone changed since the model was fitted');
    } catch (e) { answer(null, (e as Error).message); }
  }

  private async refit(): Promise<void> {
    this.dirty = false;
    this.status('fitting');
    const t0 = performance.now();
    try {
      const fitted = this.impl ? await this.impl.fit() : null;
      if (!fitted) { this.status('idle', this.idleMessage()); return; }
      this.version++;
      this.io.log(`model v${this.version}: ${fitted} in ${(performance.now() - t0).toFixed(0)} ms`);
      for (const id of this.focus) this.predictFocused(id);
      this.sendHead();
      await this.predictAll();
    } catch (e) {
      this.io.log(`fit failed (${this.task}, ${this.ann.size} annotations): ${(e as Error).stack}`);
      this.status('error', `fit failed: ${(e as Error).message}`);
    }
  }

  /** Re-predict every embedded image in chunks, yielding between chunks; a new label interrupts it. */
  private async predictAll(): Promise<void> {
    const all = [...this.images.values()].filter((i) => this.isEmbedded(i));
    const impl = this.impl;
    if (!impl) return;
    const chunk = impl.predictChunk;
    const version = this.version;
    for (let k = 0; k < all.length; k += chunk) {
      if (this.dirty || version !== this.version) return;
      const part = all.slice(k, k + chunk);
      const items = impl.predict(part);
      if (items.length) this.io.send({ type: 'predictions', modelVersion: version, items });
      await new Promise((r) => setImmediate(r));
    }
    if (this.nextBatch().length) { this.stale = true; return; } // publish once everything is embedded
    this.publish();
  }

  /** The head's weights, for the server to keep in the session's models/ (export works without a trainer). */
  private sendHead(): void {
    const impl = this.impl, m = impl?.model();
    if (!impl || !m) return;
    const { A, b } = foldedWeights(m);
    const i = this.embedder.info;
    const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    this.io.send({
      type: 'head', task: impl.name, version: this.version, classIds: impl.classIds().slice(0, m.C), d: m.d, C: m.C, A: b64(A), b: b64(b),
      backbone: { name: i.backbone, dir: i.dir, patchSize: i.patchSize ?? 16, registers: i.registers ?? 0, resolution: i.resolution ?? 224, segShortSide: i.segShortSide ?? 448 },
    });
  }

  private publish(): void {
    this.impl?.publish().catch((e) => this.io.log(`publishing failed: ${(e as Error).stack}`));
  }
}
