// Per-image undo/redo of the segmentation state (mask + points) as whole snapshots: masks are one
// byte per pixel, so 50 steps of a 1-MP image stay around 50 MB at worst, and restore is trivial.

export interface Point { classId: number; x: number; y: number }
export interface SegState { mask: Uint8Array; points: Point[] }

export function cloneState(s: SegState): SegState {
  return { mask: s.mask.slice(), points: s.points.map((p) => ({ ...p })) };
}

export class History {
  private past: SegState[] = [];
  private future: SegState[] = [];
  constructor(private limit = 50) {}

  /** Record the state as it was before an edit. */
  push(before: SegState): void {
    this.past.push(cloneState(before));
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }
  /** The state to go back to, given the current one (which becomes redoable); null if none. */
  undo(current: SegState): SegState | null {
    const s = this.past.pop();
    if (!s) return null;
    this.future.push(cloneState(current));
    return s;
  }
  redo(current: SegState): SegState | null {
    const s = this.future.pop();
    if (!s) return null;
    this.past.push(cloneState(current));
    return s;
  }
  get canUndo(): boolean { return this.past.length > 0; }
  get canRedo(): boolean { return this.future.length > 0; }
}
