import { Hono } from 'hono';
import { and, eq, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { z } from 'zod';
import { idParam, json } from '../validate.ts';
import { AppError } from '../errors.ts';
import { annotations, classes, events, predictions, suggestions } from '../db/schema.ts';
import { getClass, listClasses, PALETTE } from '../store.ts';
import { classUsage, stripClassFromMasks } from '../class-usage.ts';
import { CLASS_NAME_MSG, CLASS_NAME_RE } from '../../common/class-names.ts';

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
const COLOR_MSG = 'color must look like #a1b2c3';
const POSITION_MSG = 'position must be a non-negative integer';

const name = z.string({ error: CLASS_NAME_MSG }).trim().regex(CLASS_NAME_RE, { error: CLASS_NAME_MSG });
const color = z
  .string({ error: COLOR_MSG })
  .regex(COLOR_RE, { error: COLOR_MSG })
  .transform((v) => v.toLowerCase());
const CODES = { name: 'invalid_name', color: 'invalid_color', position: 'invalid_position' };
const created = z.object({ name, color: color.optional() });
const patch = z.object({
  name: name.optional(),
  color: color.optional(),
  position: z.number({ error: POSITION_MSG }).int({ error: POSITION_MSG }).min(0, { error: POSITION_MSG }).optional(),
});

export function classRoutes(ctx: Ctx) {
  const db = () => ctx.session.db;
  const changed = (reset: boolean) => {
    const list = listClasses(db());
    ctx.bus.emit('browser', { type: 'classes', classes: list });
    ctx.bus.emit('trainer', { type: 'classes', classes: list, reset });
  };
  const unique = (name: string, except?: number) => {
    const other = db()
      .select()
      .from(classes)
      .where(sql`lower(${classes.name}) = lower(${name})`)
      .get();
    if (other && other.id !== except)
      throw new AppError(409, 'duplicate_class', `a class named "${other.name}" already exists`);
  };
  return new Hono()
    .get('/', (c) => c.json({ classes: listClasses(db()) }))
    .post('/', json(created, CODES), async (c) => {
      const { name, color: given } = c.req.valid('json');
      unique(name);
      const n = db()
        .select({ n: sql<number>`count(*)`, max: sql<number>`coalesce(max(${classes.position}), -1)` })
        .from(classes)
        .get()!;
      const color = given ?? PALETTE[n.n % PALETTE.length];
      const row = db()
        .insert(classes)
        .values({ name, color, position: n.max + 1 })
        .returning()
        .get();
      changed(false);
      return c.json({ class: row }, 201);
    })
    .patch('/:id', idParam, json(patch, CODES), async (c) => {
      const { id } = c.req.valid('param');
      const cur = getClass(db(), id);
      const body = c.req.valid('json');
      const set: { name?: string; color?: string } = {};
      if (body.name !== undefined) {
        set.name = body.name;
        unique(set.name, id);
      }
      if (body.color !== undefined) set.color = body.color;
      db().transaction((tx) => {
        if (Object.keys(set).length) tx.update(classes).set(set).where(eq(classes.id, id)).run();
        if (body.position !== undefined) {
          const order = listClasses(tx as never).filter((k) => k.id !== id);
          order.splice(Math.min(body.position, order.length), 0, cur);
          order.forEach((k, i) => tx.update(classes).set({ position: i }).where(eq(classes.id, k.id)).run());
        }
      });
      changed(false);
      return c.json({ class: getClass(db(), id) });
    })
    .get('/:id/usage', idParam, async (c) => {
      const { id } = c.req.valid('param');
      getClass(db(), id);
      return c.json(await classUsage(ctx, id));
    })
    .delete('/:id', idParam, async (c) => {
      const { id } = c.req.valid('param');
      const cls = getClass(db(), id);
      const u = await classUsage(ctx, id);
      const stripped = await stripClassFromMasks(ctx, id);
      const now = Date.now();
      db().transaction((tx) => {
        // labels of this class go; masks lose its pixels and points (an emptied one goes); the model resets
        const gone = tx
          .select({ imageId: annotations.imageId })
          .from(annotations)
          .where(eq(annotations.classId, id))
          .all();
        for (const g of [...gone, ...stripped])
          tx.insert(events)
            .values({ imageId: g.imageId, type: 'class-delete', annotator: 'system', classId: id, at: now })
            .run();
        tx.delete(annotations)
          .where(and(eq(annotations.classId, id), sql`${annotations.kind} != 'mask'`))
          .run();
        for (const s of stripped) {
          if (!s.mask && s.points === '[]') tx.delete(annotations).where(eq(annotations.imageId, s.imageId)).run();
          else
            tx.update(annotations)
              .set({ mask: s.mask, points: JSON.parse(s.points), updatedAt: now })
              .where(eq(annotations.imageId, s.imageId))
              .run();
        }
        tx.delete(predictions).run();
        tx.delete(suggestions).run();
        tx.delete(classes).where(eq(classes.id, id)).run();
        listClasses(tx as never).forEach((k, i) =>
          tx.update(classes).set({ position: i }).where(eq(classes.id, k.id)).run(),
        );
      });
      // the trainer re-reads annotations from a fresh snapshot after the reset
      if (stripped.length) ctx.bus.emit('trainer', { type: 'reset', reason: 'class removed from masks' });
      changed(true);
      ctx.bus.emit('browser', { type: 'session', reason: `class "${cls.name}" deleted` });
      return c.json({ deleted: { class: cls, annotations: u.annotations } });
    });
}
