// GET /api/evaluation: the trainer's latest val evaluation (per class, confusion or IoU, the per-image
// table paged and sorted here), the val curves from the metrics table, and how to take the model away.
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { headFile } from '../export-onnx.ts';
import { z } from 'zod';
import { qstr, quint, query } from '../validate.ts';
import { getEvaluation } from '../insights.ts';
import type { EvalImage } from '../../common/protocol.ts';
import { getSetting } from '../session.ts';
import { listClasses } from '../store.ts';

const SORTS: Record<string, (a: EvalImage, b: EvalImage) => number> = {
  loss: (a, b) => b.loss - a.loss || a.id - b.id,
  '-loss': (a, b) => a.loss - b.loss || a.id - b.id,
  id: (a, b) => a.id - b.id,
};

/** The command that writes the current head and backbone as one validated ONNX model. */
function exportInfo(ctx: Ctx) {
  const file = headFile(ctx.session);
  let modelVersion: number | null = null;
  try {
    if (existsSync(file)) modelVersion = (JSON.parse(readFileSync(file, 'utf8')) as { version: number }).version;
  } catch {
    /* half-written: none */
  }
  const dir = relative(process.cwd(), ctx.session.sessionsDir) || '.';
  const where =
    resolve(ctx.session.sessionsDir) === resolve('sessions') ? '' : ` --sessions-dir ${JSON.stringify(dir)}`;
  return {
    modelVersion,
    command: `npx hilt export --session ${ctx.session.name}${where} --format onnx --out ${ctx.session.name}-model`,
  };
}

const evalQuery = z.object({
  sort: qstr.optional(),
  offset: quint('offset'),
  limit: quint('limit'),
  given: quint('given'),
  predicted: quint('predicted'),
});

export function evaluationRoutes(ctx: Ctx) {
  return new Hono().get('/', query(evalQuery), (c) => {
    const db = ctx.session.db,
      q = c.req.valid('query');
    const sort = q.sort ?? 'loss';
    if (!Object.hasOwn(SORTS, sort))
      throw new AppError(400, 'invalid_param', `sort must be one of ${Object.keys(SORTS).join(', ')}`);
    const offset = q.offset ?? 0;
    const limit = Math.min(500, q.limit ?? 50);
    const { given, predicted } = q;
    const curves: Record<string, { step: number; value: number }[]> = {};
    for (const m of db.$client
      .prepare(`select name, step, value from metrics where name like 'val\\_%' escape '\\' order by id`)
      .all() as { name: string; step: number; value: number }[]) {
      (curves[m.name] ??= []).push({ step: m.step, value: m.value });
    }
    const model = getSetting<{ version: number }>(db, 'model');
    const current = ctx.trainer.status?.modelVersion || model?.version || null;
    const ev = getEvaluation(db);
    if (!ev) return c.json({ evaluation: null, currentModelVersion: current, curves, export: exportInfo(ctx) });
    const names = new Map(listClasses(db).map((k) => [k.id, k.name]));
    const rows = ev.images
      .filter(
        (r) => (given === undefined || r.given === given) && (predicted === undefined || r.predicted === predicted),
      )
      .sort(SORTS[sort]);
    const { images: _all, ...rest } = ev;
    return c.json({
      evaluation: {
        ...rest,
        perClass: ev.perClass.map((k) => ({ ...k, name: names.get(k.classId) ?? `#${k.classId}` })),
        images: { total: rows.length, offset, limit, sort, items: rows.slice(offset, offset + limit) },
      },
      currentModelVersion: current,
      curves,
      export: exportInfo(ctx),
    });
  });
}
