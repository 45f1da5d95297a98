// Class-index masks as single-channel PNGs (pixel = class id, 0 = unlabelled), via sharp.
import sharp from 'sharp';
import { AppError } from './errors.ts';

export interface Mask { data: Uint8Array; width: number; height: number }

export async function decodeMaskPng(png: Buffer): Promise<Mask> {
  try {
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    throw new AppError(400, 'invalid_mask', `mask is not a readable PNG: ${(e as Error).message}`);
  }
}

export async function encodeMaskPng(m: Mask): Promise<Buffer> {
  return sharp(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length), { raw: { width: m.width, height: m.height, channels: 1 } })
    .png({ compressionLevel: 6, palette: false }).toBuffer();
}
