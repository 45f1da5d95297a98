// Persisting the trainer's compact deltas (P11) off the request path: a frame is decoded and merged into
// a pending map (the newest value per image wins, so a burst of refits is written once), then written in
// short transactions of a size that keeps each under ~CHUNK_MS, yielding to requests between them. The
// predicted class and uncertainty columns, and so Browse's filters and sorts, follow the model within a
// few hundred milliseconds of each refit however large the session.
import type { Ctx } from './context.ts';
import { decodeDeltas } from '../common/delta-codec.ts';
import type { Db } from './db/open.ts';
import { stmt } from './db/prepared.ts';
import { timed } from './loop-stats.ts';
import type { Session } from './session.ts';

/** the time one write transaction may hold the event loop */
export const CHUNK_MS = 5;
/** rows per transaction at most: a row that changes the indexes costs several times one that does not */
const MAX_ROWS = 1000;

interface Pending {
  version: number;
  classId: number | null;
  uncertainty: number;
  confidence: number;
}

export class DeltaWriter {
  private pending = new Map<number, Pending>();
  private session: Session;
  private scheduled = false;
  private rowsPerChunk = 500;
  /** rows written and images the session did not know (dropped, P8) since the writer started */
  written = 0;
  unknown = 0;
  chunks = 0;
  /** told how many items of a chunk named images the session does not have (P8: answered with an error) */
  onDropped: ((n: number) => void) | null = null;
  private idle: (() => void)[] = [];

  constructor(private ctx: Ctx) {
    this.session = ctx.session;
    // a class removed, a reset or a new session: what is pending belongs to a model that no longer exists
    ctx.bus.on('trainer', (m) => {
      if (m.type === 'reset' || (m.type === 'classes' && m.reset)) this.clear();
    });
  }

  /** Decode a `deltas` frame into the pending map; an error names what is malformed. */
  enqueue(modelVersion: number, classIds: number[], n: number, data: string): string | null {
    const r = decodeDeltas(data, n, classIds.length);
    if ('error' in r) return r.error;
    this.sameSession();
    for (const it of r.items) {
      const cur = this.pending.get(it.imageId);
      if (cur && cur.version > modelVersion) continue;
      this.pending.set(it.imageId, {
        version: modelVersion,
        classId: it.classIndex === null ? null : classIds[it.classIndex],
        uncertainty: it.uncertainty,
        confidence: it.confidence,
      });
    }
    this.schedule();
    return null;
  }

  /** A full prediction was just stored for these images: an older pending delta must not overwrite it. */
  superseded(ids: number[], modelVersion: number): void {
    for (const id of ids) {
      const p = this.pending.get(id);
      if (p && p.version <= modelVersion) this.pending.delete(id);
    }
  }

  get size(): number {
    return this.pending.size;
  }
  /** resolves once everything pending is written (tests, benchmarks) */
  drained(): Promise<void> {
    return this.pending.size ? new Promise((r) => this.idle.push(r)) : Promise.resolve();
  }
  clear(): void {
    this.pending.clear();
    this.wake();
  }

  private sameSession() {
    if (this.ctx.session !== this.session) {
      this.pending.clear();
      this.session = this.ctx.session;
    }
  }
  private schedule() {
    if (!this.scheduled && this.pending.size) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }
  private wake() {
    if (!this.pending.size) for (const f of this.idle.splice(0)) f();
  }

  private drain(): void {
    this.scheduled = false;
    this.sameSession();
    if (!this.pending.size) {
      this.wake();
      return;
    }
    const t0 = performance.now();
    const batch: [number, Pending][] = [];
    for (const e of this.pending) {
      batch.push(e);
      if (batch.length >= this.rowsPerChunk) break;
    }
    for (const [id] of batch) this.pending.delete(id);
    this.chunks++;
    try {
      timed('deltaWrite', () => this.write(this.session.db, batch));
    } catch (e) {
      console.error(`[server] writing ${batch.length} predictions failed: ${(e as Error).message}`);
    }
    // size the next chunk so that one write holds the loop for about CHUNK_MS (MAX_ROWS caps what a moment
    // of waiting for a core on a loaded machine can make it grow to)
    const ms = performance.now() - t0;
    this.rowsPerChunk = Math.max(
      50,
      Math.min(MAX_ROWS, Math.round(this.rowsPerChunk * Math.min(1.5, Math.max(0.5, CHUNK_MS / Math.max(ms, 0.1))))),
    );
    if (this.pending.size) this.schedule();
    else this.wake();
  }

  private write(db: Db, batch: [number, Pending][]): void {
    // a row of a newer model (a focused image's full prediction) is never overwritten by an older delta;
    // one of the same model keeps its full probabilities
    // an unknown image fails the foreign key on insert (counted below), so no lookup per row is needed
    const up = stmt(
      db,
      `insert into predictions (image_id, model_version, class_id, probs, confidence, uncertainty, at)
      values (@id, @v, @c, null, @conf, @u, @at)
      on conflict(image_id) do update set model_version = excluded.model_version, class_id = excluded.class_id,
      probs = case when predictions.model_version = excluded.model_version then predictions.probs else null end,
      confidence = excluded.confidence, uncertainty = excluded.uncertainty, at = excluded.at
      where excluded.model_version >= predictions.model_version`,
    );
    const at = Date.now();
    let unknown = 0;
    db.$client.transaction(() => {
      for (const [id, p] of batch) {
        try {
          if (up.run({ id, v: p.version, c: p.classId, conf: p.confidence, u: p.uncertainty, at }).changes)
            this.written++;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw e;
          unknown++;
        }
      }
    })();
    this.unknown += unknown;
    if (unknown) this.onDropped?.(unknown);
  }
}

const writers = new WeakMap<Ctx, DeltaWriter>();
/** The session's delta writer (one per server context). */
export function deltaWriter(ctx: Ctx): DeltaWriter {
  let w = writers.get(ctx);
  if (!w) {
    w = new DeltaWriter(ctx);
    writers.set(ctx, w);
  }
  return w;
}
