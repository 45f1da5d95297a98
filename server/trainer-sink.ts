// Persisting what the trainer sends, so a browser that connects later (or a restart) sees the latest output.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ctx } from './context.ts';
import { metrics, suggestions } from './db/schema.ts';
import { stmt } from './db/prepared.ts';
import type { TrainerToServer } from '../common/protocol.ts';
import { setSetting } from './session.ts';
import { deltaWriter } from './prediction-writer.ts';

/** rows kept per metric name: past it the older half is thinned to every other point, so a long run keeps
 * its whole curve at a coarser step and /api/stats stays small */
export const MAX_METRIC_ROWS = 1000;

let headWrites: Promise<unknown> = Promise.resolve();

type Of<K extends TrainerToServer['type']> = Extract<TrainerToServer, { type: K }>;

export function persistPredictions(ctx: Ctx, msg: Of<'predictions'>): void {
  const db = ctx.session.db,
    now = Date.now();
  {
    // a refit re-predicts every image: one cached statement in one transaction keeps this off the hot path
    const exists = stmt(db, 'select 1 from images where id = ?');
    // full predictions are few (focused images, a validation sample): the pool goes as deltas.
    // A newer model's row is never replaced by an older one's.
    const upsert = stmt(
      db,
      `insert into predictions (image_id, model_version, class_id, probs, confidence, map, map_class_ids, map_width, map_height, uncertainty, at)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict(image_id) do update set model_version = excluded.model_version,
      class_id = excluded.class_id, probs = excluded.probs, confidence = excluded.confidence, map = excluded.map, map_class_ids = excluded.map_class_ids,
      map_width = excluded.map_width, map_height = excluded.map_height, uncertainty = excluded.uncertainty, at = excluded.at
      where excluded.model_version >= predictions.model_version`,
    );
    db.$client.transaction(() => {
      for (const p of msg.items) {
        if (!exists.get(p.imageId)) continue; // checked in trainer-check; gone meanwhile only by a reset
        if ('map' in p)
          upsert.run(
            p.imageId,
            msg.modelVersion,
            p.classId,
            null,
            null,
            Buffer.from(p.map, 'base64'),
            JSON.stringify(p.classIds),
            p.width,
            p.height,
            p.uncertainty,
            now,
          );
        else
          upsert.run(
            p.imageId,
            msg.modelVersion,
            p.classId,
            JSON.stringify(p.probs),
            p.probs[String(p.classId)] ?? null,
            null,
            null,
            null,
            null,
            p.uncertainty,
            now,
          );
      }
    })();
    deltaWriter(ctx).superseded(
      msg.items.map((p) => p.imageId),
      msg.modelVersion,
    );
  }
}

export function persistSuggestions(ctx: Ctx, msg: Of<'suggestions'>): void {
  const now = Date.now();
  ctx.session.db.transaction((tx) => {
    tx.delete(suggestions).run();
    for (const [strategy, ids] of Object.entries(msg.lists))
      tx.insert(suggestions).values({ strategy, ids, modelVersion: msg.modelVersion, at: now }).run();
  });
}

export function persistMetric(ctx: Ctx, msg: Of<'metric'>): void {
  const db = ctx.session.db,
    now = Date.now();
  {
    db.insert(metrics).values({ name: msg.name, step: msg.step, value: msg.value, at: now }).run();
    const { n } = stmt(db, 'select count(*) as n from metrics where name = ?').get(msg.name) as { n: number };
    if (n > MAX_METRIC_ROWS) {
      stmt(
        db,
        `delete from metrics where id in (select id from (select id, row_number() over (order by id) as k
        from metrics where name = ? order by id limit ?) where k % 2 = 0)`,
      ).run(msg.name, Math.floor(MAX_METRIC_ROWS / 2));
    }
  }
}

export function persistConfusion(ctx: Ctx, msg: Of<'confusion'>): void {
  setSetting(ctx.session.db, 'confusion', { classIds: msg.classIds, matrix: msg.matrix });
}

export function persistHead(ctx: Ctx, msg: Of<'head'>): void {
  const now = Date.now();
  {
    // sizes and classes were checked (trainer-check.ts); kept as a file, not in the DB: export reads it offline
    // written off the loop (a synchronous write waited ~200 ms for a busy disk), one at a time, in order
    const file = join(ctx.session.dir, 'models', 'head.json'),
      text = JSON.stringify({ ...msg, type: undefined, savedAt: now });
    headWrites = headWrites
      .then(() => writeFile(`${file}.tmp`, text))
      .then(() => rename(`${file}.tmp`, file))
      .catch((e) => console.error(`[server] saving the head failed: ${(e as Error).message}`));
  }
}

export function persistModel(ctx: Ctx, msg: Of<'model'>): void {
  setSetting(ctx.session.db, 'model', {
    version: msg.version,
    labelled: msg.labelled,
    counts: msg.counts,
    at: Date.now(),
  });
}
