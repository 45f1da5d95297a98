// A probability map taken to full resolution: the arg-max class, its probability and the top-1 − top-2 margin
// per pixel (what the overlay draws and the refinement starts from).
export interface Upsampled {
  width: number;
  height: number;
  /** index into classIds of the arg-max class */
  idx: Uint8Array;
  /** top-1 probability, 0..255 */
  conf: Uint8Array;
  /** top-1 minus top-2 probability, 0..255 (low = uncertain) */
  margin: Uint8Array;
}
