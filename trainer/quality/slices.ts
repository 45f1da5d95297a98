// Background work that must not hold the trainer's event loop: a label arriving mid-way has to reach the
// refit (and the focused image its prediction) after at most one slice. Work yields with setImmediate,
// which lets timers (the refit debounce) and socket frames run in between.

/** how often a slicer that gives way checks whether the loop is still busy */
const GIVE_WAY_MS = 20;

/** Yields when the current slice has used its budget; with `giveWay`, also waits while it says the loop is busy
 *  (a label's refit and its named maps in flight), so background work takes no CPU from them. */
export class Slicer {
  private start = performance.now();
  constructor(
    readonly budgetMs = 25,
    private giveWay: (() => boolean) | null = null,
  ) {}
  /** true when the budget is spent (callers with one big step ask before starting it) */
  spent(): boolean {
    return performance.now() - this.start >= this.budgetMs;
  }
  async pause(force = false): Promise<void> {
    if (!force && !this.spent()) return;
    await new Promise((r) => setImmediate(r));
    while (this.giveWay?.()) await new Promise((r) => setTimeout(r, GIVE_WAY_MS));
    this.start = performance.now();
  }
}

/** Thrown inside a job when what it works on was reset (a class removed, a new snapshot). */
export class Cancelled extends Error {}

/**
 * One run at a time: scheduling while a run is on its way asks for one more run after it, so results are
 * at most one cycle behind and a steady stream of labels can't starve them (nothing is abandoned mid-way
 * except by `cancel`, which a reset calls).
 */
export class SingleFlight {
  private running: Promise<void> | null = null;
  private again = false;
  private generation = 0;
  constructor(
    private work: (alive: () => boolean) => Promise<void>,
    private onError: (e: Error) => void,
  ) {}

  schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }
  cancel(): void {
    this.generation++;
    this.again = false;
  }
  /** resolves when nothing is running (tests) */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const gen = this.generation;
      try {
        await this.work(() => gen === this.generation);
      } catch (e) {
        if (!(e instanceof Cancelled)) this.onError(e as Error);
      }
    } while (this.again);
  }
}
