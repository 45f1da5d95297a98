// Failed sign-ins per client (IP): the first few are free, then each further failure doubles the time
// the client must wait before any credential it presents is looked at again (429 with Retry-After),
// up to a cap. Failures are forgotten a while after the last one. The table is bounded: past
// `maxEntries` clients the longest-quiet ones are dropped first (a Map keeps insertion order).
export interface LimiterOptions {
  free?: number;
  baseMs?: number;
  maxWaitMs?: number;
  forgetMs?: number;
  maxEntries?: number;
  now?: () => number;
}
interface Entry {
  failures: number;
  until: number;
  last: number;
}

export function failureLimiter(o: LimiterOptions = {}) {
  const free = o.free ?? 5,
    base = o.baseMs ?? 1000,
    cap = o.maxWaitMs ?? 5 * 60_000;
  const forget = o.forgetMs ?? 15 * 60_000,
    max = o.maxEntries ?? 10_000,
    now = o.now ?? Date.now;
  const table = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const e = table.get(key);
    if (e && now() - e.last > forget && now() >= e.until) {
      table.delete(key);
      return undefined;
    }
    return e;
  };
  return {
    /** ms this client must still wait before a credential it sends is checked (0: go ahead) */
    retryAfterMs(key: string): number {
      const e = live(key);
      return e ? Math.max(0, e.until - now()) : 0;
    },
    /** a presented credential was wrong */
    fail(key: string): void {
      const e = live(key) ?? { failures: 0, until: 0, last: 0 };
      e.failures++;
      e.last = now();
      if (e.failures >= free) e.until = now() + Math.min(cap, base * 2 ** (e.failures - free));
      table.delete(key); // re-inserted last: the oldest entries are the quiet ones
      table.set(key, e);
      while (table.size > max) table.delete(table.keys().next().value!);
    },
    get size() {
      return table.size;
    },
  };
}
export type FailureLimiter = ReturnType<typeof failureLimiter>;

export const TOO_MANY = 'too many failed sign-in attempts from this address: wait before trying again';
