// A review list arrives in `parts` frames (trainer/quality/review-frames.ts): they are held here, per
// session, until the last one, and only the whole list is kept and announced. A part out of order, or
// of another list, drops what was held: the trainer sends a whole new list after its next refit.
import type { Ctx } from './context.ts';
import type { ReviewMsg } from '../common/protocol.ts';

interface Held {
  key: string;
  next: number;
  items: ReviewMsg['items'];
}
const held = new WeakMap<Ctx, Held>();

/** The whole list once its last part is in, else null (a part held, or dropped as out of order). */
export function assembleReview(ctx: Ctx, msg: ReviewMsg): ReviewMsg | null {
  if (msg.parts <= 1) {
    held.delete(ctx);
    return msg;
  }
  const key = `${msg.task}:${msg.modelVersion}:${msg.labelled}:${msg.parts}`;
  const h = msg.part === 0 ? { key, next: 0, items: [] } : held.get(ctx);
  if (!h || h.key !== key || h.next !== msg.part) {
    held.delete(ctx);
    return null;
  }
  h.items.push(...msg.items);
  h.next++;
  if (h.next < msg.parts) {
    held.set(ctx, h);
    return null;
  }
  held.delete(ctx);
  return { ...msg, part: 0, parts: 1, items: h.items };
}
