// `hilt export --format onnx --out DIR`: reads the head the trainer last sent (models/head.json), picks
// session images whose stored prediction came from that model version as validation samples, and hands
// both to the trainer-side exporter (trainer/export-model.ts). Works whether or not a trainer is running.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, eq, isNotNull, or } from 'drizzle-orm';
import { classes, images, predictions } from './db/schema.ts';
import { AppError } from './errors.ts';
import type { Prediction } from '../common/protocol.ts';
import type { Session } from './session.ts';

export function headFile(session: Session): string {
  return join(session.dir, 'models', 'head.json');
}

/** Up to `limit` images predicted by model `version`, spread over the id range, as the trainer stored them. */
export function validationSamples(
  session: Session,
  version: number,
  limit = 32,
): { imageId: number; path: string; expected: Prediction }[] {
  const rows = session.db
    .select({ p: predictions, path: images.path })
    .from(predictions)
    // only full predictions (the trainer sends a validation sample of them after each refit): a compact
    // delta keeps no per-class probabilities to compare with
    .innerJoin(images, eq(images.id, predictions.imageId))
    .where(and(eq(predictions.modelVersion, version), or(isNotNull(predictions.probs), isNotNull(predictions.map))))
    .orderBy(asc(predictions.imageId))
    .all();
  const step = Math.max(1, rows.length / limit);
  const picked = [];
  for (let k = 0; k < rows.length && picked.length < limit; k++) if (Math.floor(k % step) === 0) picked.push(rows[k]);
  return picked
    .filter((r) => existsSync(r.path))
    .map(({ p, path }) => ({
      imageId: p.imageId,
      path,
      expected: p.map
        ? {
            imageId: p.imageId,
            classId: p.classId,
            classIds: p.mapClassIds ?? [],
            width: p.mapWidth ?? 0,
            height: p.mapHeight ?? 0,
            map: p.map.toString('base64'),
            uncertainty: p.uncertainty ?? 0,
          }
        : { imageId: p.imageId, classId: p.classId ?? 0, probs: p.probs ?? {}, uncertainty: p.uncertainty ?? 0 },
    }));
}

export async function exportOnnxCmd(session: Session, out: string) {
  const file = headFile(session);
  if (!existsSync(file)) {
    throw new AppError(
      409,
      'no_model',
      `session "${session.name}" has no trained head yet: label at least two classes while the trainer runs (hilt start), then export (the trainer saves its head after a fit, within about 20 s while images are still being embedded)`,
    );
  }
  const head = JSON.parse(readFileSync(file, 'utf8'));
  const cls = session.db
    .select({ id: classes.id, name: classes.name })
    .from(classes)
    .orderBy(asc(classes.position))
    .all();
  const { exportOnnx } = await import('../trainer/export-model.ts');
  return exportOnnx({ head, classes: cls, out, samples: validationSamples(session, head.version) });
}
