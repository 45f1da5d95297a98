// What the terminal says while images are embedded: a line at every tenth of the way (or every few
// seconds on a slow run), then "embedded N images in T s". Pure (a clock is passed in): unit-tested.

export class EmbedProgress {
  private start: number | null = null;
  private from = 0;
  private lastTenth = -1;
  private lastAt = 0;

  constructor(
    private log: (line: string) => void,
    private everyMs = 10_000,
    private now: () => number = Date.now,
  ) {}

  /** A new session's images: progress starts again. */
  reset(): void {
    this.start = null;
    this.lastTenth = -1;
  }

  /** Embedding is about to start with `done` of `total` already embedded (from the cache). */
  begin(done: number, total: number): void {
    if (this.start !== null || done >= total) return;
    const t = this.now();
    this.start = t;
    this.from = done;
    this.lastAt = t;
    this.lastTenth = Math.floor((10 * done) / total);
  }

  /** After a batch: `done` of `total` images embedded. */
  update(done: number, total: number): void {
    if (total <= 0) return;
    const t = this.now();
    if (this.start === null) {
      if (done >= total) return; // all from the cache: nothing to report
      this.start = t;
      this.from = done;
      this.lastAt = t;
      this.lastTenth = Math.floor((10 * done) / total);
      return;
    }
    if (done >= total) {
      const s = (t - this.start) / 1000,
        n = done - this.from;
      this.log(
        `embedded ${n.toLocaleString('en-US')} images in ${s.toFixed(1)} s${s > 0 ? ` (${(n / s).toFixed(1)} images/s)` : ''}`,
      );
      this.start = null;
      return;
    }
    const tenth = Math.floor((10 * done) / total);
    if (tenth > this.lastTenth || t - this.lastAt >= this.everyMs) {
      this.lastTenth = tenth;
      this.lastAt = t;
      this.log(
        `embedding: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} images (${Math.floor((100 * done) / total)} %)`,
      );
    }
  }
}

/** The backbone line for the terminal: what runs, in one sentence (the UI's tooltip keeps every reason). */
export function backboneLine(note: string, max = 160): string {
  const first = note.split('. ')[0];
  const line = first.length > max ? `${first.slice(0, max - 1)}…` : first;
  return note.length > line.length + 2 ? `${line} (reasons: in the header's backbone tooltip)` : line;
}
