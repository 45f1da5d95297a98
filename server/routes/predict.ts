// POST /api/predict: run the current model on an uploaded image (raw bytes, or multipart field "file").
// The trainer owns the model, so the request goes to it over the socket and waits for its answer.
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { readHeader } from '../security/decode.ts';

const TIMEOUT_MS = 30_000;
/** uploads the trainer is decoding at once: more wait their turn as a 503, not as memory */
const MAX_PENDING = 4;

export function predictRoutes(ctx: Ctx) {
  return new Hono().post('/', async (c) => {
    let bytes: Buffer;
    if ((c.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
      const form = await c.req.parseBody().catch((e) => {
        throw e instanceof AppError ? e : new AppError(400, 'invalid_multipart', 'the multipart body cannot be parsed');
      });
      const f = form.file;
      if (!(f instanceof File))
        throw new AppError(400, 'no_file', 'send the image as raw bytes or as a multipart field named "file"');
      bytes = Buffer.from(await f.arrayBuffer());
    } else bytes = Buffer.from(await c.req.arrayBuffer());
    if (!bytes.length) throw new AppError(400, 'no_file', 'the request body is empty: send the image bytes');
    // the header only: the trainer decodes it, and only if its declared size is within the budget
    const meta = await readHeader(bytes);
    if (meta.width * meta.height > ctx.config.maxUploadPixels) {
      throw new AppError(
        413,
        'image_too_large',
        `the image is ${meta.width}×${meta.height}; at most ${ctx.config.maxUploadPixels} pixels are accepted`,
      );
    }
    if (!ctx.trainer.online)
      throw new AppError(503, 'trainer_offline', 'no trainer is connected: start one with `hilt train`');
    if (ctx.pending.size >= MAX_PENDING)
      throw new AppError(503, 'busy', 'the trainer is already predicting other uploads; try again shortly');
    const requestId = randomUUID();
    const answer = await new Promise<Parameters<Ctx['pending'] extends Map<string, infer F> ? F : never>[0]>(
      (resolve, reject) => {
        const t = setTimeout(() => {
          ctx.pending.delete(requestId);
          reject(new AppError(504, 'trainer_timeout', `the trainer did not answer within ${TIMEOUT_MS / 1000} s`));
        }, TIMEOUT_MS);
        ctx.pending.set(requestId, (msg) => {
          clearTimeout(t);
          ctx.pending.delete(requestId);
          resolve(msg);
        });
        ctx.bus.emit('trainer', { type: 'predict', requestId, image: bytes.toString('base64') });
      },
    );
    if (!answer.prediction)
      throw new AppError(409, 'no_model', answer.error ?? 'the trainer has no model yet: label at least two classes');
    return c.json({ prediction: answer.prediction, width: meta.width, height: meta.height });
  });
}
