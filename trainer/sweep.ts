// Predicting the whole pool after refits, incrementally. A cursor walks the feature store in
// file order a few MB at a time and keeps rolling across refits (a new model takes over where the last
// one stopped), so continuous labelling never starves the tail of the pool. Per image it keeps what the
// server last got (top class, uncertainty): only images whose top class changed or whose uncertainty moved
// past UNC_STEP become deltas. Per-class probabilities of every image and a sample of features are kept
// for the suggestion lists, published once per lap.
import type { DeltaItem } from '../common/delta-codec.ts';
import { encodeDeltas } from '../common/delta-codec.ts';
import { MAX_DELTA_ITEMS } from '../common/protocol.ts';
import type { FeatureStore } from './feature-store.ts';

/** an uncertainty change smaller than this is not sent: Browse's sort by uncertainty is that close */
export const UNC_STEP = 0.05;
/** changes (of images the server already has a prediction for) sent per lap at most: what the server
 *  writes per refit stays bounded however unstable a young model is; laps go on until nothing is held back */
export const LAP_BUDGET = 2000;
/** the pause after a lap, as a multiple of its length: labels 300 ms apart refit ~3 times a second, and
 *  the pool of 100k images is then re-predicted about every other refit (a small pool after each) */
export const LAP_GAP = 2;
/** bytes of features read per sweep step: one positioned read, a few ms of predicting */
export const SWEEP_BYTES = 2 << 20;
/** images whose features are kept for `diverse` (k-center runs on a sample, plus the labelled ones) */
export const SAMPLE = 8000;
const NEVER = -2,
  NONE = -1;

/** A task's compact predictions of k images: top class index (-1: none), uncertainty, top probability,
 *  per-class probabilities (k × C) and an image-level feature row for the sample. */
export interface RowPredictions {
  top: Int32Array;
  unc: Float32Array;
  conf: Float32Array;
  probs: Float32Array;
  C: number;
  feature(k: number): Float32Array | null;
  /** k × C: how likely each image is to *contain* each class (segmentation), for `class` and `minority` */
  presence?: Float32Array;
}

export type DeltasFrame = { type: 'deltas'; modelVersion: number; classIds: number[]; n: number; data: string };

export class Sweep {
  constructor(private send: (m: DeltasFrame) => void) {}
  private slots = new Map<number, number>();
  private idOf = new Int32Array(1024);
  private sentCls = new Int32Array(1024).fill(NEVER);
  private sentUnc = new Float32Array(1024);
  private unc = new Float32Array(1024);
  /** coverage generation in which each slot was last predicted (probabilities valid for this class set) */
  private seen = new Uint32Array(1024);
  probs = new Float32Array(0);
  /** per-class presence, when the task gives one (segmentation) */
  presence: Float32Array | null = null;
  private C = 0;
  private classKey = '';
  private gen = 1;
  /** where the next scan starts, and how many records are left before a lap is complete */
  cursor = 0;
  lapLeft = Infinity;
  private budget = LAP_BUDGET;
  /** changes not sent this lap because the budget was spent */
  private withheld = 0;
  /** a lap is due (a newer model, or changes held back) but waits for its gap */
  private wanted = false;
  private lapStart = 0;
  private nextLap = 0;
  readonly sample = new Map<number, Float32Array>();
  private out: DeltaItem[] = [];
  private outClassIds: number[] = [];
  private outVersion = 0;
  /** bytes of deltas handed to the socket (the benchmark's "bytes per refit") */
  bytesSent = 0;

  /** A new snapshot: forget everything. */
  reset(): void {
    this.slots.clear();
    this.sample.clear();
    this.out = [];
    this.outClassIds = [];
    this.cursor = 0;
    this.lapLeft = Infinity;
    this.sentCls.fill(NEVER);
    this.seen.fill(0);
    this.gen++;
    this.classKey = '';
    this.withheld = 0;
    this.budget = LAP_BUDGET;
    this.wanted = false;
    this.nextLap = 0;
  }

  /** A refit produced a model over these classes; a different class set invalidates every row's probabilities. */
  model(classIds: number[], records: number): void {
    const key = classIds.join(',');
    if (key !== this.classKey) {
      // the old probabilities are of other classes: a lap now, whatever the gap
      this.classKey = key;
      this.C = classIds.length;
      this.gen++;
      this.probs = new Float32Array(this.idOf.length * this.C);
      this.presence = null;
      this.startLap(records);
    } else {
      this.wanted = true;
      this.maybeStart(records);
    }
  }

  private startLap(records: number): void {
    this.lapLeft = records;
    this.budget = LAP_BUDGET;
    this.withheld = 0;
    this.wanted = false;
    this.lapStart = Date.now();
  }

  /** a lap is running or waiting for its gap: its end publishes */
  get lapDue(): boolean {
    return Number.isFinite(this.lapLeft) || this.wanted;
  }

  /** Start the wanted lap if its gap has passed; returns how long until it may start (0: started or none). */
  maybeStart(records: number): number {
    if (Number.isFinite(this.lapLeft) || !this.wanted) return 0;
    const wait = this.nextLap - Date.now();
    if (wait > 0) return wait;
    this.startLap(records);
    return 0;
  }

  private slot(id: number): number {
    let s = this.slots.get(id);
    if (s === undefined) {
      s = this.slots.size;
      if (s === this.idOf.length) this.grow();
      this.slots.set(id, s);
      this.idOf[s] = id;
    }
    return s;
  }
  private grow(): void {
    const cap = this.idOf.length * 2;
    const g = <T extends Int32Array | Float32Array | Uint32Array>(a: T, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      if (fill !== undefined) b.fill(fill as never);
      b.set(a);
      return b;
    };
    this.idOf = g(this.idOf);
    this.sentCls = g(this.sentCls, NEVER);
    this.sentUnc = g(this.sentUnc);
    this.unc = g(this.unc);
    this.seen = g(this.seen);
    const p = new Float32Array(cap * this.C);
    p.set(this.probs);
    this.probs = p;
    if (this.presence) {
      const q = new Float32Array(cap * this.C);
      q.set(this.presence);
      this.presence = q;
    }
  }

  /** Record k images' predictions; queue a delta for those the server would show differently. */
  record(
    ids: number[],
    r: RowPredictions,
    classIds: number[],
    version: number,
    keepFeature: (id: number) => boolean,
  ): void {
    if (r.C !== this.C) return; // predicted by a head over another class set: the next lap redoes them
    if (this.outClassIds.join(',') !== classIds.join(',')) {
      this.flush();
      this.outClassIds = classIds.slice();
    }
    this.outVersion = version;
    for (let k = 0; k < ids.length; k++) {
      const s = this.slot(ids[k]);
      this.probs.set(r.probs.subarray(k * this.C, (k + 1) * this.C), s * this.C);
      if (r.presence)
        (this.presence ??= new Float32Array(this.idOf.length * this.C)).set(
          r.presence.subarray(k * this.C, (k + 1) * this.C),
          s * this.C,
        );
      this.unc[s] = r.unc[k];
      this.seen[s] = this.gen;
      const cls = r.top[k] < 0 ? NONE : classIds[r.top[k]];
      const fresh = this.sentCls[s] === NEVER; // the server has nothing for it yet: always sent
      if (this.sentCls[s] !== cls || Math.abs(this.sentUnc[s] - r.unc[k]) > UNC_STEP) {
        if (!fresh && this.budget <= 0) {
          this.withheld++;
          continue;
        }
        this.out.push({
          imageId: ids[k],
          classIndex: r.top[k] < 0 ? null : r.top[k],
          uncertainty: r.unc[k],
          confidence: r.conf[k],
        });
        this.sentCls[s] = cls;
        this.sentUnc[s] = r.unc[k];
        if (!fresh) this.budget--;
      }
      if (keepFeature(ids[k]) && !this.sample.has(ids[k])) {
        const f = r.feature(k);
        if (f) this.sample.set(ids[k], f.slice());
      }
    }
  }

  private lapTimer: NodeJS.Timeout | null = null;

  /**
   * One step of a lap over `store`: the next SWEEP_BYTES of rows of embedded images handed to `predict` (which
   * records them). false: no lap is running (one waiting for its gap calls `wake` when it is due); 'lap': this
   * step ended a lap (its deltas are sent).
   */
  step(
    store: FeatureStore,
    embedded: (id: number) => boolean,
    predict: (ids: number[], values: Float32Array, shapes: { h: number; w: number; d: number }[]) => void,
    wake: () => void,
  ): false | 'step' | 'lap' {
    const wait = this.maybeStart(store.records);
    if (wait > 0)
      this.lapTimer ??= setTimeout(() => {
        this.lapTimer = null;
        wake();
      }, wait);
    if (!Number.isFinite(this.lapLeft)) return false;
    if (this.cursor >= store.records) {
      store.flush();
      if (this.cursor >= store.records) this.cursor = 0;
    }
    const from = this.cursor;
    const r = store.scan(from, SWEEP_BYTES, embedded);
    this.cursor = r.next;
    this.lapLeft -= Math.max(1, r.next - from);
    if (r.ids.length) predict(r.ids, r.values, r.shapes);
    if (this.pending >= 5000) this.flush();
    if (this.lapLeft > 0) return 'step';
    this.flush();
    this.lapEnded(store.records);
    return 'lap';
  }

  /** the trainer is stopping: no lap wakes it any more */
  close(): void {
    if (this.lapTimer) clearTimeout(this.lapTimer);
    this.lapTimer = null;
  }

  /** A lap is over. True when the budget held changes back: another lap begins, so that what the server
   *  shows converges to the model even when labelling stops. */
  lapEnded(records: number): boolean {
    const again = this.withheld > 0;
    this.withheld = 0;
    this.budget = LAP_BUDGET;
    this.lapLeft = Infinity;
    this.nextLap = Date.now() + LAP_GAP * (Date.now() - this.lapStart);
    if (again) this.wanted = true;
    this.maybeStart(records);
    return again;
  }

  /** A full prediction was sent for this image: the server has its exact values. */
  sentFull(id: number, classId: number | null, uncertainty: number): void {
    const s = this.slot(id);
    this.sentCls[s] = classId ?? NONE;
    this.sentUnc[s] = uncertainty;
  }

  get pending(): number {
    return this.out.length;
  }

  /** Send the queued deltas, as frames of at most MAX_DELTA_ITEMS. */
  flush(): void {
    for (let k = 0; k < this.out.length; k += MAX_DELTA_ITEMS) {
      const part = this.out.slice(k, k + MAX_DELTA_ITEMS);
      const data = encodeDeltas(part, this.outClassIds.length);
      this.bytesSent += data.length;
      this.send({ type: 'deltas', modelVersion: this.outVersion, classIds: this.outClassIds, n: part.length, data });
    }
    this.out = [];
  }

  /** Every image predicted under the current class set: ids, probabilities (n × C) and uncertainties. */
  collect(): { ids: Int32Array; probs: Float32Array; unc: Float32Array; C: number; presence?: Float32Array } {
    let n = 0;
    for (let s = 0; s < this.slots.size; s++) if (this.seen[s] === this.gen) n++;
    const ids = new Int32Array(n),
      probs = new Float32Array(n * this.C),
      unc = new Float32Array(n);
    const presence = this.presence ? new Float32Array(n * this.C) : undefined;
    for (let s = 0, k = 0; s < this.slots.size; s++) {
      if (this.seen[s] !== this.gen) continue;
      ids[k] = this.idOf[s];
      unc[k] = this.unc[s];
      probs.set(this.probs.subarray(s * this.C, (s + 1) * this.C), k * this.C);
      presence?.set(this.presence!.subarray(s * this.C, (s + 1) * this.C), k * this.C);
      k++;
    }
    return { ids, probs, unc, C: this.C, ...(presence ? { presence } : {}) };
  }
}

/** about `want` images out of `n`, chosen by a fixed hash of the id (the same ones on every lap) */
export function inSample(id: number, n: number, want = SAMPLE): boolean {
  if (n <= want) return true;
  let h = Math.imul(id ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296 < want / n;
}
