// Run-length coding of a class-index mask for local drafts: synchronous (safe in pagehide), compact
// for painted masks, and plain JSON-able numbers.

/** [value, runLength, value, runLength, …] */
export function rleEncode(data: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const v = data[i];
    let j = i + 1;
    while (j < data.length && data[j] === v) j++;
    out.push(v, j - i);
    i = j;
  }
  return out;
}

export function rleDecode(runs: number[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (let k = 0; k + 1 < runs.length && o < length; k += 2) {
    const n = Math.min(runs[k + 1], length - o);
    if (runs[k]) out.fill(runs[k], o, o + n);
    o += n;
  }
  return out;
}
