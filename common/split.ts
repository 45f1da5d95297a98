// Persistent train/val split: an image's side depends only on its id and a fixed salt, so it never
// changes across restarts, refits or label order — val curves stay honest (no image moves from val
// into train). Changing SPLIT_SALT reshuffles every session; don't.
export const SPLIT_SALT = 'hilt-split-v1';
export const VAL_FRACTION = 0.2;

/** FNV-1a over the UTF-16 code units of salt + id, then murmur3's fmix32 so the low bits are
 *  uniform too (raw FNV of short numeric strings is not). Returns an unsigned 32-bit integer. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when the image belongs to the validation side (about `fraction` of all ids). */
export function isVal(imageId: number | string, fraction = VAL_FRACTION, salt = SPLIT_SALT): boolean {
  return hash32(`${salt}:${imageId}`) / 4294967296 < fraction;
}
