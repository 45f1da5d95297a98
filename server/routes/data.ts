import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { json, qstr, query } from '../validate.ts';
import { EXPORT_FORMATS, EXPORT_TYPES } from '../export-formats.ts';
import { AppError } from '../errors.ts';
import { exportSession } from '../export.ts';
import { importInto } from '../import/import.ts';
import { resolveImportPath } from '../import/confine.ts';
import { listClasses } from '../store.ts';
import type { ServerToBrowser } from '../../common/protocol.ts';

const exportQuery = z.object({
  format: qstr.pipe(z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(', ')}` })).optional(),
});
const PATH_MSG = 'path must be a folder, CSV or COCO JSON file on the server';
const importBody = z.object({
  path: z.string({ error: PATH_MSG }).min(1, { error: PATH_MSG }).max(4096, { error: PATH_MSG }),
  copy: z.unknown().optional(),
});

/** import over HTTP is off without --import-root: said before the body is looked at */
const importEnabled =
  (ctx: Ctx): MiddlewareHandler =>
  async (_c, next) => {
    if (!ctx.config.importRoots.length)
      throw new AppError(
        403,
        'import_disabled',
        'import over HTTP is off on this server: start it with --import-root DIR, or run `hilt import` on the server',
      );
    await next();
  };

export function dataRoutes(ctx: Ctx) {
  return new Hono()
    .get('/export', query(exportQuery, { format: 'invalid_format' }), async (c) => {
      const format = c.req.valid('query').format ?? 'csv';
      const t = EXPORT_TYPES[format];
      const out = await exportSession(ctx.session, format);
      const body = typeof out === 'string' ? out : new Uint8Array(out as Buffer);
      return c.body(body, 200, {
        'Content-Type': t.type,
        'Content-Disposition': `attachment; filename="${ctx.session.name}.${t.ext}"`,
      });
    })
    .post('/import', importEnabled(ctx), json(importBody, { '*': 'invalid_path' }), async (c) => {
      const body = c.req.valid('json');
      const roots = ctx.config.importRoots;
      if (ctx.importing)
        throw new AppError(409, 'import_running', 'another import is running; try again when it has finished');
      ctx.importing = true;
      let report;
      try {
        const source = await resolveImportPath(body.path, roots);
        // progress to every browser, at most a few frames a second
        let last = 0;
        const progress = (phase: 'scan' | 'probe', done: number, total: number) => {
          const now = Date.now();
          if (now - last < 250 && done !== total) return;
          last = now;
          ctx.bus.emit('browser', { type: 'import', phase, done, total } satisfies ServerToBrowser);
        };
        report = await importInto(ctx.session, source, {
          copy: body.copy === true,
          roots,
          limits: ctx.config.importLimits,
          onScan: (n) => progress('scan', n, 0),
          onProgress: (d, t) => progress('probe', d, t),
        });
        ctx.bus.emit('browser', { type: 'import', phase: 'done', done: report.added, total: report.added });
      } finally {
        ctx.importing = false;
      }
      ctx.bus.emit('browser', { type: 'session', reason: 'import' });
      ctx.bus.emit('browser', { type: 'classes', classes: listClasses(ctx.session.db) });
      ctx.bus.emit('trainer', { type: 'reset', reason: 'images imported' });
      return c.json(report);
    });
}
