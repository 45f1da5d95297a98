// The trainer's socket to the server: hello, reconnect with backoff, typed send/receive. A refusal that
// retrying cannot fix (wrong version or token, another trainer connected, replaced) is final.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import {
  FINAL_CLOSE_CODES,
  MAX_FRAME_ITEMS,
  PROTOCOL_VERSION,
  TARGET_FRAME_BYTES,
  parseFrame,
  serverToTrainer,
} from '../common/protocol.ts';
import type { ServerToTrainer, TrainerToServer } from '../common/protocol.ts';

export interface TrainerClient {
  send(msg: TrainerToServer): void;
  close(): void;
  readonly connected: boolean;
  /** bytes and frames sent since the process started (benchmarks: bytes per refit) */
  readonly sent: { bytes: number; frames: number };
}

export interface ClientOptions {
  url: string;
  token?: string;
  /** take over from a trainer already connected (P7); only on the first connection, never on a reconnect */
  replace?: boolean;
  onMessage(msg: ServerToTrainer): void;
  /** the server refused for good (the reason is already logged); the client stops reconnecting */
  onFatal?(reason: string): void;
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
  let replace = !!o.replace;
  const instance = randomUUID();
  const sent = { bytes: 0, frames: 0 };
  const open = () => {
    ws = new WebSocket(o.url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    ws.on('open', () => {
      ws!.send(
        JSON.stringify({
          type: 'hello',
          version: PROTOCOL_VERSION,
          role: 'trainer',
          token: o.token,
          instance,
          ...(replace ? { replace: true } : {}),
        }),
      );
    });
    ws.on('message', (raw) => {
      const r = parseFrame(serverToTrainer, raw.toString());
      if (!r.ok) {
        log(`ignored a malformed frame from the server: ${r.error}`);
        return;
      }
      // took over once; a later reconnect must not push out whoever connected meanwhile
      if (r.msg.type === 'welcome') {
        connected = true;
        delay = 500;
        replace = false;
        o.onConnect?.();
      }
      if (r.msg.type === 'error') log(`server says: ${r.msg.code}: ${r.msg.message}`);
      o.onMessage(r.msg);
    });
    let lastError = '';
    ws.on('close', (code, reason) => {
      const was = connected;
      connected = false;
      if (closed) return;
      if (was) o.onDisconnect?.(closeText(code, reason.toString(), lastError));
      if (FINAL_CLOSE_CODES.includes(code)) {
        const why = reason.toString() || `close code ${code}`;
        log(`server refused the trainer: ${why}`);
        closed = true;
        process.exitCode = 2;
        o.onFatal?.(why);
        return;
      }
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 10_000);
    });
    ws.on('error', (e) => {
      lastError = (e as Error).message;
      if (!closed && !connected && delay >= 4000) log(`server not reachable at ${o.url} (${lastError}); retrying`);
    });
  };
  open();
  return {
    send(msg) {
      if (!ws || !connected || ws.readyState !== WebSocket.OPEN) return;
      for (const text of frames(msg)) {
        ws.send(text);
        sent.bytes += text.length;
        sent.frames++;
      }
    },
    sent,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    },
    get connected() {
      return connected;
    },
  };
}

/** A `predictions` batch split into frames of about TARGET_FRAME_BYTES and at most MAX_FRAME_ITEMS: the
 * server refuses bigger ones, and a smaller frame holds its event loop for less time. */
export function frames(msg: TrainerToServer, target = TARGET_FRAME_BYTES): string[] {
  const text = JSON.stringify(msg);
  if (
    msg.type !== 'predictions' ||
    msg.items.length < 2 ||
    (text.length <= target && msg.items.length <= MAX_FRAME_ITEMS)
  )
    return [text];
  const half = Math.ceil(msg.items.length / 2);
  return [
    ...frames({ ...msg, items: msg.items.slice(0, half) }, target),
    ...frames({ ...msg, items: msg.items.slice(half) }, target),
  ];
}

const CLOSE_MEANING: Record<number, string> = {
  1000: 'closed normally',
  1001: 'the server is going away (shutting down or restarting)',
  1006: 'the connection dropped without a close frame (the server exited, or the network failed)',
  1009: 'a frame was larger than the receiver accepts',
  1011: 'the server hit an internal error',
};

/** Why the socket closed, in words: the code, its meaning, the peer's reason and the last socket error. */
export function closeText(code: number, reason: string, lastError = ''): string {
  const parts = [String(code), CLOSE_MEANING[code], reason, lastError && `last error: ${lastError}`].filter(Boolean);
  return parts.join(': ');
}
