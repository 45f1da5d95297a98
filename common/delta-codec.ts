// The packed body of a `deltas` frame (common/protocol.ts): per image, ascending by id, a LEB128 varint of
// the id gap, the top class as an index into the frame's classIds (1 byte, 2 when there are more than
// 254 classes; all ones = none), uncertainty and the top probability as u16 (÷ 65535), little-endian,
// base64. About 6 bytes an image (8 in base64): a refit's changes for 100k images stay under 1 MB.
// Node only (Buffer): the trainer encodes, the server decodes; browsers never see it.

export interface DeltaItem {
  imageId: number;
  classIndex: number | null;
  uncertainty: number;
  confidence: number;
}

const wideFor = (classes: number) => classes > 254;
const q = (v: number, max: number) => Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * max);

export function encodeDeltas(items: DeltaItem[], classes: number): string {
  const wide = wideFor(classes);
  const sorted = [...items].sort((a, b) => a.imageId - b.imageId);
  const out = Buffer.alloc(sorted.length * (10 + (wide ? 6 : 5)));
  let o = 0,
    prev = 0;
  for (const it of sorted) {
    let gap = it.imageId - prev;
    prev = it.imageId;
    while (gap >= 0x80) {
      out[o++] = (gap % 0x80) | 0x80;
      gap = Math.floor(gap / 0x80);
    }
    out[o++] = gap;
    const none = wide ? 0xffff : 0xff;
    const c = it.classIndex === null ? none : it.classIndex;
    if (wide) {
      out.writeUInt16LE(c, o);
      o += 2;
    } else out[o++] = c;
    out.writeUInt16LE(q(it.uncertainty, 65535), o);
    o += 2;
    out.writeUInt16LE(q(it.confidence, 65535), o);
    o += 2;
  }
  return out.subarray(0, o).toString('base64');
}

/** The items, or a reason the body is malformed (wrong count, ids not ascending, class out of range). */
export function decodeDeltas(data: string, n: number, classes: number): { items: DeltaItem[] } | { error: string } {
  const b = Buffer.from(data, 'base64');
  const wide = wideFor(classes),
    none = wide ? 0xffff : 0xff;
  const items: DeltaItem[] = new Array(n);
  let o = 0,
    prev = 0;
  for (let k = 0; k < n; k++) {
    let gap = 0,
      mul = 1,
      byte = 0x80;
    for (let s = 0; byte & 0x80; s++) {
      if (o >= b.length || s > 7) return { error: `item ${k}: truncated id` };
      byte = b[o++];
      gap += (byte & 0x7f) * mul;
      mul *= 0x80;
    }
    if (gap < 1 && k > 0) return { error: `item ${k}: ids must ascend` };
    const id = prev + gap;
    prev = id;
    if (o + (wide ? 6 : 5) > b.length) return { error: `item ${k}: truncated` };
    const c = wide ? b.readUInt16LE(o) : b[o];
    o += wide ? 2 : 1;
    if (c !== none && c >= classes) return { error: `item ${k}: class index ${c} of ${classes}` };
    items[k] = {
      imageId: id,
      classIndex: c === none ? null : c,
      uncertainty: b.readUInt16LE(o) / 65535,
      confidence: b.readUInt16LE(o + 2) / 65535,
    };
    o += 4;
  }
  if (o !== b.length) return { error: `${b.length - o} bytes after ${n} items` };
  return { items };
}
