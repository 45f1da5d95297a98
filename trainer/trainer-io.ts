// What the loop sends besides its predictions: the head, status frames (throttled), answers to uploads.
import type { Prediction, TrainerStatus } from '../common/protocol.ts';
import { foldedWeights } from './heads/logreg.ts';
import type { TrainerTask } from './tasks/task.ts';
import type { Embedder, EmbedMode, TrainerIO } from './types.ts';

/** at most this many status frames a second while only the counts move (unthrottled, 100k images made
 *  12,613 frames); a change of phase, message or model goes out at once */
export const STATUS_PER_SECOND = 4;

export function statusThrottle(
  send: (s: TrainerStatus) => void,
  perSecond = STATUS_PER_SECOND,
): (s: TrainerStatus) => void {
  let last: TrainerStatus | null = null,
    lastAt = 0,
    waiting: TrainerStatus | null = null;
  let timer: NodeJS.Timeout | null = null;
  const gap = 1000 / perSecond;
  const out = (s: TrainerStatus) => {
    last = s;
    lastAt = Date.now();
    waiting = null;
    send(s);
  };
  return (s) => {
    const changed =
      !last || s.phase !== last.phase || s.message !== last.message || s.modelVersion !== last.modelVersion;
    if (changed || Date.now() - lastAt >= gap) {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      out(s);
      return;
    }
    waiting = s;
    timer ??= setTimeout(
      () => {
        timer = null;
        if (waiting) out(waiting);
      },
      gap - (Date.now() - lastAt),
    );
    timer.unref?.();
  };
}

/** The head's weights, for the server to keep in the session's models/ (export works without a trainer). */
export function sendHead(io: TrainerIO, impl: TrainerTask, embedder: Embedder, version: number): void {
  const m = impl.model();
  if (!m) return;
  const { A, b } = foldedWeights(m);
  const i = embedder.info;
  const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const r = impl.regionHead?.() ?? null,
    rw = r && foldedWeights(r.model);
  io.send({
    type: 'head',
    task: impl.name,
    version,
    classIds: impl.classIds().slice(0, m.C),
    d: m.d,
    C: m.C,
    A: b64(A),
    b: b64(b),
    backbone: {
      name: i.backbone,
      dir: i.dir,
      patchSize: i.patchSize ?? 16,
      registers: i.registers ?? 0,
      resolution: i.resolution ?? 224,
      segShortSide: i.segShortSide ?? 448,
    },
    ...(r && rw
      ? {
          regions: {
            classIds: r.classIds,
            d: r.model.d,
            C: r.model.C,
            A: b64(rw.A),
            b: b64(rw.b),
            crop: r.crop,
            minFraction: r.minFraction,
            guideSide: r.guideSide,
          },
        }
      : {}),
  });
}

/** POST /api/predict: embed an uploaded image (not cached) and apply the current head. */
export async function predictUpload(
  t: { impl: TrainerTask | null; embedder: Embedder; mode: EmbedMode; io: TrainerIO; idleMessage(): string },
  requestId: string,
  bytes: Buffer,
): Promise<void> {
  const answer = (prediction: Prediction | null, error?: string) =>
    t.io.send({ type: 'predicted', requestId, prediction, error });
  try {
    const impl = t.impl;
    if (!impl?.model()) {
      answer(null, t.idleMessage() || 'no model yet');
      return;
    }
    const [r] = await t.embedder.embed([{ id: 0, sha: 'upload', source: async () => bytes }], t.mode);
    if (r.error) {
      answer(null, r.error);
      return;
    }
    const p = impl.predictEmbedding(0, r);
    answer(p, p ? undefined : 'the backbone changed since the model was fitted');
  } catch (e) {
    answer(null, (e as Error).message);
  }
}
