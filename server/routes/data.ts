import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { jsonBody } from '../http.ts';
import { AppError } from '../errors.ts';
import { exportSession } from '../export.ts';
import { importInto } from '../import/import.ts';
import { resolveImportPath } from '../import/confine.ts';
import { listClasses } from '../store.ts';
import type { ServerToBrowser } from '../protocol.ts';

const TYPES: Record<string, [string, string]> = {
  csv: ['text/csv; charset=utf-8', 'csv'], jsonl: ['application/x-ndjson', 'jsonl'], coco: ['application/json', 'json'], masks: ['application/x-tar', 'tar'],
};

export function dataRoutes(ctx: Ctx) {
  return new Hono()
    .get('/export', async (c) => {
      const format = c.req.query('format') ?? 'csv';
      const t = Object.hasOwn(TYPES, format) ? TYPES[format] : undefined;
      if (!t) throw new AppError(400, 'invalid_format', `format must be one of ${Object.keys(TYPES).join(', ')}`);
      const out = await exportSession(ctx.session, format as 'csv');
      const body = typeof out === 'string' ? out : new Uint8Array(out as Buffer);
      return c.body(body, 200, { 'Content-Type': t[0], 'Content-Disposition': `attachment; filename="${ctx.session.name}.${t[1]}"` });
    })
    .post('/import', async (c) => {
      const body = await jsonBody<{ path?: unknown; copy?: unknown }>(c);
      const roots = ctx.config.importRoots;
      if (!roots.length) throw new AppError(403, 'import_disabled', 'import over HTTP is off on this server: start it with --import-root DIR, or run `hilt import` on the server');
      if (typeof body.path !== 'string' || !body.path || body.path.length > 4096) throw new AppError(400, 'invalid_path', 'path must be a folder, CSV or COCO JSON file on the server');
      if (ctx.importing) throw new AppError(409, 'import_running', 'another import is running; try again when it has finished');
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
          copy: body.copy === true, roots, limits: ctx.config.importLimits,
          onScan: (n) => progress('scan', n, 0), onProgress: (d, t) => progress('probe', d, t),
        });
        ctx.bus.emit('browser', { type: 'import', phase: 'done', done: report.added, total: report.added });
      } finally { ctx.importing = false; }
      ctx.bus.emit('browser', { type: 'session', reason: 'import' });
      ctx.bus.emit('browser', { type: 'classes', classes: listClasses(ctx.session.db) });
      ctx.bus.emit('trainer', { type: 'reset', reason: 'images imported' });
      return c.json(report);
    });
}
