// Persisting what the trainer sends, so a browser that connects later (or a restart) sees the latest output.
import { inArray } from 'drizzle-orm';
import type { Ctx } from './context.ts';
import { images, metrics, predictions, suggestions } from './db/schema.ts';
import type { TrainerToServer } from './protocol.ts';
import { setSetting } from './session.ts';

export function persistTrainerFrame(ctx: Ctx, msg: TrainerToServer): void {
  const db = ctx.session.db;
  const now = Date.now();
  if (msg.type === 'predictions') {
    const known = new Set(db.select({ id: images.id }).from(images).where(inArray(images.id, msg.items.map((p) => p.imageId))).all().map((r) => r.id));
    db.transaction((tx) => {
      for (const p of msg.items) {
        if (!known.has(p.imageId)) continue; // an image gone after a reset: ignore, not an error
        const row = 'map' in p
          ? { imageId: p.imageId, modelVersion: msg.modelVersion, classId: p.classId, probs: null, map: Buffer.from(p.map, 'base64'), mapClassIds: p.classIds, mapWidth: p.width, mapHeight: p.height, uncertainty: p.uncertainty, at: now }
          : { imageId: p.imageId, modelVersion: msg.modelVersion, classId: p.classId, probs: p.probs, map: null, mapClassIds: null, mapWidth: null, mapHeight: null, uncertainty: p.uncertainty, at: now };
        tx.insert(predictions).values(row).onConflictDoUpdate({ target: predictions.imageId, set: row }).run();
      }
    });
  } else if (msg.type === 'suggestions') {
    db.transaction((tx) => {
      tx.delete(suggestions).run();
      for (const [strategy, ids] of Object.entries(msg.lists)) tx.insert(suggestions).values({ strategy, ids, modelVersion: msg.modelVersion, at: now }).run();
    });
  } else if (msg.type === 'metric') {
    db.insert(metrics).values({ name: msg.name, step: msg.step, value: msg.value, at: now }).run();
  } else if (msg.type === 'confusion') {
    setSetting(db, 'confusion', { classIds: msg.classIds, matrix: msg.matrix });
  } else if (msg.type === 'model') {
    setSetting(db, 'model', { version: msg.version, labelled: msg.labelled, counts: msg.counts, at: now });
  }
}
