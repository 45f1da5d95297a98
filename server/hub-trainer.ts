// Frames from the trainer: validated (P4), then checked against the session (P8), persisted and rebroadcast
// to browsers (P6) by their entry in trainer-frames.ts. What was dropped is answered with one `error` frame.
import type { Ctx } from './context.ts';
import type { Client, Hub } from './hub-types.ts';
import { MAX_FRAME_ITEMS, trainerToServer, validateFrame, type TrainerToServer } from '../common/protocol.ts';
import { timed } from './loop-stats.ts';
import { runFrame, TRAINER_FRAMES, type FrameEntry } from './trainer-frames.ts';

/** JSON, then a count of a batch's items before the (much costlier) schema validation of each one. */
function parse(text: string) {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false as const, error: 'frame is not valid JSON' };
  }
  const items = (data as { items?: unknown } | null)?.items;
  if (Array.isArray(items) && items.length > MAX_FRAME_ITEMS)
    return { ok: false as const, error: `items: at most ${MAX_FRAME_ITEMS} per frame, got ${items.length}` };
  return validateFrame(trainerToServer, data);
}

export function onTrainerFrame(ctx: Ctx, hub: Hub, c: Client, text: string): void {
  timed('frame', () => {
    const r = timed('parse', () => parse(text));
    if (!r.ok) {
      hub.send(c.ws, { type: 'error', code: 'invalid_frame', message: r.error });
      return;
    }
    timed(r.msg.type, () => handle(ctx, hub, c, r.msg));
  });
}

function handle(ctx: Ctx, hub: Hub, c: Client, m: TrainerToServer): void {
  runFrame({ ctx, hub, c }, TRAINER_FRAMES[m.type] as FrameEntry<typeof m.type>, m);
}
