import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { jsonBody } from '../app.ts';
import { AppError } from '../errors.ts';
import { exportSession } from '../export.ts';
import { importInto } from '../import/import.ts';
import { listClasses } from '../store.ts';

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
      if (typeof body.path !== 'string' || !body.path) throw new AppError(400, 'invalid_path', 'path must be a folder, CSV or COCO JSON file on the server');
      const report = await importInto(ctx.session, body.path, { copy: body.copy === true });
      ctx.bus.emit('browser', { type: 'session', reason: 'import' });
      ctx.bus.emit('browser', { type: 'classes', classes: listClasses(ctx.session.db) });
      ctx.bus.emit('trainer', { type: 'reset', reason: 'images imported' });
      return c.json(report);
    });
}
