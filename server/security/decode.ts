// Uploads are looked at before they are decoded: sharp's metadata() reads only the header, so a 300 KiB
// PNG declaring 16000×16000 is refused for its size, not after a 250 MiB decode. Decodes that do run
// take a slot of a pixel budget (and at most a few at once), so parallel uploads cannot add up either.
import sharp from 'sharp';
import { AppError } from '../errors.ts';

export interface Header {
  format: string;
  width: number;
  height: number;
}

/** The image's header, or a 400 when it has none sharp can read. Decodes nothing. */
export async function readHeader(bytes: Buffer, what = 'the upload'): Promise<Header> {
  const m = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => null);
  if (!m?.format || !m.width || !m.height) throw new AppError(400, 'not_an_image', `${what} is not a readable image`);
  return { format: m.format, width: m.width, height: m.height };
}

/** A semaphore weighted by pixels: at most `maxConcurrent` decodes and `budget` pixels in flight. */
export function pixelGate(budget: number, maxConcurrent: number) {
  let used = 0,
    running = 0;
  const waiting: { px: number; go: () => void }[] = [];
  const fits = (px: number) => running < maxConcurrent && (running === 0 || used + px <= budget);
  const pump = () => {
    while (waiting.length && fits(waiting[0].px)) {
      const w = waiting.shift()!;
      used += w.px;
      running++;
      w.go();
    }
  };
  return {
    async run<T>(pixels: number, fn: () => Promise<T>): Promise<T> {
      if (pixels > budget)
        throw new AppError(413, 'image_too_large', `${pixels} pixels is over the ${budget}-pixel decode budget`);
      if (waiting.length >= 64)
        throw new AppError(503, 'busy', 'too many images waiting to be decoded; try again shortly');
      await new Promise<void>((go) => {
        waiting.push({ px: pixels, go });
        pump();
      });
      try {
        return await fn();
      } finally {
        used -= pixels;
        running--;
        pump();
      }
    },
    get inFlight() {
      return { pixels: used, decodes: running, waiting: waiting.length };
    },
  };
}

/** Shared by every request that decodes an upload: 64 Mpx and two decodes at a time. */
export const decodeGate = pixelGate(64_000_000, 2);

/** Decodes a class-index PNG only after its header proved it is a PNG of exactly the expected size. */
export async function decodeMaskChecked(
  png: Buffer,
  want: { width: number; height: number },
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const h = await readHeader(png, 'mask').catch(() => {
    throw new AppError(400, 'invalid_mask', 'mask is not a readable PNG');
  });
  if (h.format !== 'png') throw new AppError(400, 'invalid_mask', `mask must be a PNG, got ${h.format}`);
  if (h.width !== want.width || h.height !== want.height) {
    throw new AppError(
      400,
      'mask_size',
      `mask is ${h.width}×${h.height} but the image is ${want.width}×${want.height}`,
    );
  }
  const px = want.width * want.height;
  return decodeGate.run(px, async () => {
    const { data, info } = await sharp(png, { limitInputPixels: px })
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true })
      .catch((e: Error) => {
        throw new AppError(400, 'invalid_mask', `mask is not a readable PNG: ${e.message}`);
      });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  });
}
