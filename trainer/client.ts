// The trainer's socket to the server: hello, reconnect with backoff, typed send/receive.
import WebSocket from 'ws';
import { CLOSE, PROTOCOL_VERSION, parseFrame, serverToTrainer } from '../server/protocol.ts';
import type { ServerToTrainer, TrainerToServer } from '../server/protocol.ts';

export interface TrainerClient {
  send(msg: TrainerToServer): void;
  close(): void;
  readonly connected: boolean;
}

export interface ClientOptions {
  url: string; token?: string;
  onMessage(msg: ServerToTrainer): void;
  onConnect?(): void;
  onDisconnect?(reason: string): void;
  log?(line: string): void;
}

/** Connects and keeps reconnecting (0.5 s doubling to 10 s) until close(); a fatal close reason stops it. */
export function connectTrainer(o: ClientOptions): TrainerClient {
  const log = o.log ?? ((l: string) => console.log(l));
  let ws: WebSocket | null = null;
  let closed = false;
  let delay = 500;
  let connected = false;
  let timer: NodeJS.Timeout | null = null;
  const open = () => {
    ws = new WebSocket(o.url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    ws.on('open', () => {
      ws!.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role: 'trainer', token: o.token }));
    });
    ws.on('message', (raw) => {
      const r = parseFrame(serverToTrainer, raw.toString());
      if (!r.ok) { log(`ignored a malformed frame from the server: ${r.error}`); return; }
      if (r.msg.type === 'welcome') { connected = true; delay = 500; o.onConnect?.(); }
      if (r.msg.type === 'error') log(`server says: ${r.msg.code}: ${r.msg.message}`);
      o.onMessage(r.msg);
    });
    ws.on('close', (code, reason) => {
      const was = connected;
      connected = false;
      if (closed) return;
      if (was) o.onDisconnect?.(reason.toString() || String(code));
      if (code === CLOSE.incompatible || code === CLOSE.unauthorised) {
        log(`server refused the trainer: ${reason.toString()}`);
        closed = true;
        process.exitCode = 2;
        return;
      }
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 10_000);
    });
    ws.on('error', (e) => { if (!closed && delay >= 4000) log(`server not reachable at ${o.url} (${(e as Error).message}); retrying`); });
  };
  open();
  return {
    send(msg) { if (ws && connected && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); },
    close() { closed = true; if (timer) clearTimeout(timer); ws?.close(); },
    get connected() { return connected; },
  };
}
