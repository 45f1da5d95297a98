// Per-image undo/redo of the segmentation state (mask + points) as whole snapshots: masks are one
// byte per pixel, so 50 steps of a 1-MP image stay around 50 MB at worst, and restore is trivial.

export interface Point {
  classId: number;
  x: number;
  y: number;
}
export interface SegState {
  mask: Uint8Array;
  points: Point[];
}

export function cloneState(s: SegState): SegState {
  return { mask: s.mask.slice(), points: s.points.map((p) => ({ ...p })) };
}

export class History {
  private past: { s: SegState; what: string }[] = [];
  private future: { s: SegState; what: string }[] = [];
  /** what the last undo or redo took back or made again ("brush stroke") */
  last = '';
  constructor(private limit = 50) {}

  /** Record the state as it was before an edit, and what the edit is (for "undone: …"). */
  push(before: SegState, what = 'edit'): void {
    this.past.push({ s: cloneState(before), what });
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }
  /** The state to go back to, given the current one (which becomes redoable); null if none. */
  undo(current: SegState): SegState | null {
    const e = this.past.pop();
    if (!e) return null;
    this.future.push({ s: cloneState(current), what: e.what });
    this.last = e.what;
    return e.s;
  }
  redo(current: SegState): SegState | null {
    const e = this.future.pop();
    if (!e) return null;
    this.past.push({ s: cloneState(current), what: e.what });
    this.last = e.what;
    return e.s;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }
}
