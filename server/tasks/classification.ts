// Classification on the server: a label (one class) or a skip per image; the prediction's top class is
// what accept writes; csv and jsonl export; /api/stats counts labels; an import brings labels by name.
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { ensureClasses, writeLabels } from '../import/labels.ts';
import { lockTask, getClass } from '../store.ts';
import type { ServerTask } from './task.ts';

const NAME = 'classification';
const classId = z
  .number({ error: 'a label needs an integer classId' })
  .int({ error: 'a label needs an integer classId' });
const label = z.object({ kind: z.literal('label'), classId });
const skip = z.object({ kind: z.literal('skip') });
export type ClassificationInput = z.infer<typeof label> | z.infer<typeof skip>;

export const classification = {
  name: NAME,
  inputs: [label, skip] as const,
  kinds: ['label', 'skip'] as const,
  async annotation(img, body, { annotator, now }) {
    const id = body.kind === 'label' ? body.classId : null;
    return {
      row: { imageId: img.id, kind: body.kind, classId: id, points: null, mask: null, annotator, updatedAt: now },
      classIds: id === null ? [] : [id],
    };
  },
  checkClasses(db, ids) {
    for (const id of ids) getClass(db, id);
  },
  async accepted(img, p) {
    // a map without a class is no label: the trainer sends classification predictions with one
    if (p.classId === null) throw new AppError(409, 'no_prediction', `the prediction for image ${img.id} has no class`);
    return { kind: 'label', classId: p.classId };
  },
  prediction: {
    noun: 'a class prediction',
    owns: (p) => !('map' in p),
    problem(p, classes) {
      if ('map' in p) return null;
      if (!classes.has(p.classId)) return `unknown class ${p.classId}`;
      for (const [k, v] of Object.entries(p.probs)) {
        if (!/^\d+$/.test(k) || !classes.has(Number(k))) return `probability for unknown class ${k.slice(0, 12)}`;
        if (!(v >= 0 && v <= 1)) return 'probability outside 0..1';
      }
      return null;
    },
  },
  exportFormats: ['csv', 'jsonl'],
  importer: {
    entries: (plan, imported) => plan.entries.filter((e) => e.label && imported.has(e)),
    async apply(session, _plan, entries, imported, report, lock) {
      const { db } = session;
      db.transaction(() => {
        const names = [...new Set(entries.map((e) => e.label!))].map((name) => ({ name }));
        const ids = ensureClasses(db, names, report.classesCreated);
        report.labelsSet = writeLabels(
          db,
          entries.map((e) => ({ imageId: imported.get(e)!.id, classId: ids.get(e.label!)! })),
        );
        if (lock) lockTask(db, NAME);
      });
    },
  },
} satisfies ServerTask<ClassificationInput>;
