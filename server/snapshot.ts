// What a trainer gets on connect (P10): a header with the task, classes and counts, then every image and
// every annotation in pages read by key (`id > last`), each page a frame of at most SNAPSHOT_PAGE items
// and about TARGET_FRAME_BYTES, with the event loop yielding between pages and waiting while the socket's
// buffer is full. No frame grows with the session, and a 1M-image session connects like a 1k one.
import type { WebSocket } from 'ws';
import type { Ctx } from './context.ts';
import { counts } from './counters.ts';
import { stmt } from './db/prepared.ts';
import { SNAPSHOT_PAGE, TARGET_FRAME_BYTES, type AnnotationMsg, type ImageRef } from '../common/protocol.ts';
import { getTask } from './session.ts';
import { noteBusy } from './loop-stats.ts';
import { annotationMsg, listClasses } from './store.ts';
import type { AnnotationRow } from './db/schema.ts';

/** the socket's send buffer above which the stream waits (a slow trainer, or a remote one) */
const HIGH_WATER = 8 * 1024 * 1024;
let lastId = 0;
/** the snapshot each socket should be receiving: an older stream still running stops at its next page */
const current = new WeakMap<WebSocket, number>();

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Starts streaming a snapshot to `ws`; resolves when it has been sent, or was superseded or cut short. */
export async function streamSnapshot(ctx: Ctx, ws: WebSocket): Promise<'sent' | 'stopped'> {
  const id = ++lastId;
  current.set(ws, id);
  const session = ctx.session;
  const live = () => current.get(ws) === id && ws.readyState === ws.OPEN && ctx.session === session;
  let t0 = performance.now();
  const send = (msg: object) => {
    ws.send(JSON.stringify(msg));
    noteBusy('snapshotPage', performance.now() - t0);
  };
  try {
    const db = session.db,
      c = counts(db);
    send({
      type: 'snapshot',
      id,
      session: session.name,
      task: getTask(db),
      classes: listClasses(db),
      images: c.images,
      annotations: c.labelled + c.skipped,
      sessionDir: session.dir,
    });
    for (let after = 0; ;) {
      if (
        !(await ready(ws, live, () => {
          t0 = performance.now();
        }))
      )
        return 'stopped';
      const rows = stmt(db, 'select id, path, sha256, width, height from images where id > ? order by id limit ?').all(
        after,
        SNAPSHOT_PAGE,
      ) as ImageRef[];
      if (!rows.length) break;
      send({ type: 'snapshot-images', id, images: rows });
      after = rows[rows.length - 1].id;
    }
    for (let after = 0; ;) {
      if (
        !(await ready(ws, live, () => {
          t0 = performance.now();
        }))
      )
        return 'stopped';
      // masks by reference (the trainer fetches the PNG when it needs it): never the blob itself
      const rows = stmt(
        db,
        `select image_id as imageId, kind, class_id as classId, points, mask is not null as m, annotator, updated_at as updatedAt
        from annotations where image_id > ? order by image_id limit ?`,
      ).all(after, SNAPSHOT_PAGE) as (Omit<AnnotationRow, 'points' | 'mask'> & { points: string | null; m: number })[];
      if (!rows.length) break;
      for (const page of byBytes(
        rows.map((r) =>
          annotationMsg({ ...r, points: r.points ? JSON.parse(r.points) : null, mask: r.m ? Buffer.alloc(0) : null })!,
        ),
      )) {
        send({ type: 'snapshot-annotations', id, annotations: page });
      }
      after = rows[rows.length - 1].imageId;
    }
    if (!live()) return 'stopped';
    send({ type: 'snapshot-end', id });
    return 'sent';
  } catch (e) {
    // the session was reset or closed under us: a newer snapshot follows the reset
    if (live()) throw e;
    return 'stopped';
  }
}

/** Yield to other requests, then wait while the socket's buffer is full; false once this stream is stale. */
async function ready(ws: WebSocket, live: () => boolean, restart: () => void): Promise<boolean> {
  await tick();
  restart();
  while (live() && ws.bufferedAmount > HIGH_WATER) await new Promise((r) => setTimeout(r, 20));
  return live();
}

/** Annotations with long point lists can be big: split a page so each frame stays near the target size. */
function byBytes(items: AnnotationMsg[]): AnnotationMsg[][] {
  const out: AnnotationMsg[][] = [[]];
  let size = 0;
  for (const a of items) {
    const n = JSON.stringify(a).length;
    if (size + n > TARGET_FRAME_BYTES && out[out.length - 1].length) {
      out.push([]);
      size = 0;
    }
    out[out.length - 1].push(a);
    size += n;
  }
  return out;
}

/** Fire and forget, logging a failure: the hub starts a stream and goes on serving. */
export function startSnapshot(ctx: Ctx, ws: WebSocket): void {
  streamSnapshot(ctx, ws).catch((e) => console.error(`[server] snapshot failed: ${(e as Error).stack}`));
}
