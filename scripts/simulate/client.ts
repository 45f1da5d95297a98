// What the simulated annotator talks to: the HTTP API (JSON, one annotator name) and a browser-role
// socket that timestamps every frame on arrival, so latencies are measured where a browser sees them.
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../common/protocol.ts';

export async function api<T = any>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response | undefined;
  // every call here is idempotent (reads, PUT of the same label, a claim): on a busy 2-core machine a
  // connection can be reset between requests, and one retry is better than a lost run
  for (let attempt = 1; !res; attempt++) {
    try {
      res = await fetch(base + path, {
        method,
        headers: { 'x-annotator': 'simulator', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      if (attempt >= 3)
        throw new Error(`${method} ${path}: ${(e as Error).message} (${cause?.code ?? cause?.message ?? 'no cause'})`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

export interface Frame {
  at: number;
  f: any;
}
export interface BrowserSocket {
  frames: Frame[];
  focus(imageId: number): void;
  /** first frame at index ≥ from matching pred, waiting up to ms; null on timeout */
  waitFor(pred: (f: any) => boolean, from: number, ms: number): Promise<{ frame: Frame; index: number } | null>;
  close(): void;
}

export function browserSocket(httpUrl: string): Promise<BrowserSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(httpUrl.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
    const frames: Frame[] = [];
    let wake: (() => void)[] = [];
    ws.on('message', (raw) => {
      frames.push({ at: performance.now(), f: JSON.parse(raw.toString()) });
      const w = wake;
      wake = [];
      for (const fn of w) fn();
    });
    ws.once('error', reject);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role: 'browser' }));
      resolve({
        frames,
        focus: (imageId) => ws.send(JSON.stringify({ type: 'focus', imageId })),
        close: () => ws.close(),
        waitFor(pred, from, ms) {
          return new Promise((res) => {
            let i = from;
            const deadline = setTimeout(() => {
              wake = wake.filter((w) => w !== check);
              res(null);
            }, ms);
            const check = () => {
              for (; i < frames.length; i++)
                if (pred(frames[i].f)) {
                  clearTimeout(deadline);
                  res({ frame: frames[i], index: i });
                  return;
                }
              wake.push(check);
            };
            check();
          });
        },
      });
    });
  });
}
