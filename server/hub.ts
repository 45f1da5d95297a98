// The /ws hub, one per open session: upgrade checks (P9), handshake (P1–P3, P5, P7), per-frame validation (P4, P8), trainer
// output persisted then rebroadcast (P6). Browsers get predictions only for images they recently
// focused; others read them over HTTP when opened.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Ctx } from './context.ts';
import { CLOSE, MAX_FRAME_BYTES, browserToServer, closeReason, parseFrame } from '../common/protocol.ts';
import type { ServerToBrowser, ServerToTrainer } from '../common/protocol.ts';
import { startSnapshot } from './snapshot.ts';
import { checkUpgrade, type UpgradeCheck } from './security/upgrade.ts';
import { handshake } from './hub-hello.ts';
import { onTrainerFrame } from './hub-trainer.ts';
import { isClosedDb } from './errors.ts';
import { RESETTING } from './annotate.ts';
import type { Client, Hub } from './hub-types.ts';

/** a browser only sends hello, focus and ping: anything longer is not one of them */
const MAX_BROWSER_FRAME = 4096;

/** One session's sockets: its browsers and its trainer. `onBrowsers` hears the number of browsers after each change. */
export interface SessionHub {
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, check: UpgradeCheck): void;
  close(): void;
  clients(): number;
  browsers(): number;
}

export function sessionHub(ctx: Ctx, onBrowsers: (n: number) => void = () => {}): SessionHub {
  // past MAX_FRAME_BYTES ws closes the socket (1009) from the frame header, before buffering the payload
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const send = (ws: WebSocket, msg: ServerToBrowser | ServerToTrainer) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const hub: Hub = {
    browsers: new Set(),
    trainer: null,
    send,
    toBrowsers(msg) {
      for (const b of hub.browsers) send(b.ws, msg);
    },
  };

  ctx.bus.on('browser', hub.toBrowsers);
  ctx.bus.on('trainer', (msg) => {
    if (!hub.trainer) return;
    send(hub.trainer.ws, msg);
    // after a reset (task lock, session reset, import) the trainer starts again from a fresh snapshot
    if (msg.type === 'reset') startSnapshot(ctx, hub.trainer.ws);
  });

  // a peer that vanished without closing (network drop) would hold the trainer slot forever: ping every
  // 30 s and drop whoever did not answer the previous ping
  const alive = new WeakMap<WebSocket, boolean>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();

  // a revoked token (`hilt token remove`) or a signed-out sign-in closes the sockets that came with it
  const revoked = setInterval(() => {
    for (const c of [...hub.browsers, ...(hub.trainer ? [hub.trainer] : [])]) {
      if (c.recheck && !c.recheck())
        c.ws.close(CLOSE.unauthorised, 'signed out: the credential of this socket was revoked or signed out');
    }
  }, 1000);
  revoked.unref();

  function onConnection(ws: WebSocket, check: UpgradeCheck) {
    let client: Client | null = null;
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const timer = setTimeout(() => {
      if (!client) ws.close(CLOSE.badHello, 'expected a hello frame within 5 s');
    }, 5000);
    ws.on('message', (raw, isBinary) => {
      try {
        onMessage(raw, isBinary);
      } catch (e) {
        // a frame that arrived while a reset had the database closed is dropped (the trainer is told to start
        // over next); anything else is logged and answered, and the socket stays open
        if (isClosedDb(e)) send(ws, { type: 'error', code: 'session_resetting', message: RESETTING });
        else {
          console.error('[server] a socket frame failed:', e);
          send(ws, { type: 'error', code: 'internal', message: 'internal error (details in the server log)' });
        }
      }
    });
    const onMessage = (raw: RawData, isBinary: boolean) => {
      if (isBinary) {
        send(ws, { type: 'error', code: 'binary_frame', message: 'frames must be JSON text' });
        return;
      }
      if (!client || client.role === 'browser') {
        const size = Array.isArray(raw) ? raw.reduce((a, b) => a + b.length, 0) : (raw as Buffer).byteLength;
        if (size > MAX_BROWSER_FRAME) {
          if (!client) ws.close(CLOSE.badHello, 'hello frame too large');
          else
            send(ws, {
              type: 'error',
              code: 'frame_too_large',
              message: `browser frames are at most ${MAX_BROWSER_FRAME} bytes`,
            });
          return;
        }
      }
      const text = raw.toString();
      if (!client) {
        client = handshake(ctx, hub, ws, text, check);
        if (client) clearTimeout(timer);
        if (client?.role === 'browser') onBrowsers(hub.browsers.size);
        return;
      }
      if (client.role === 'browser') onBrowser(client, text);
      else onTrainerFrame(ctx, hub, client, text);
    };
    ws.on('close', () => {
      clearTimeout(timer);
      if (!client) return;
      if (client.role === 'browser') {
        hub.browsers.delete(client);
        onBrowsers(hub.browsers.size);
      } else if (hub.trainer === client) {
        hub.trainer = null;
        ctx.trainer.online = false;
        hub.toBrowsers({ type: 'trainer', online: false, status: ctx.trainer.status });
      }
    });
    ws.on('error', () => {
      /* a broken socket only affects itself */
    });
  }

  function onBrowser(c: Client, text: string) {
    const r = parseFrame(browserToServer, text);
    if (!r.ok) {
      send(c.ws, { type: 'error', code: 'invalid_frame', message: r.error });
      return;
    }
    const msg = r.msg;
    if (msg.type === 'focus') {
      c.focus = [...c.focus.filter((id) => id !== msg.imageId), msg.imageId].slice(-4);
      if (hub.trainer) send(hub.trainer.ws, { type: 'focus', imageId: msg.imageId });
    } else if (msg.type === 'ping') send(c.ws, { type: 'pong' });
    else send(c.ws, { type: 'error', code: 'unexpected_hello', message: 'already said hello' });
  }

  return {
    accept(req, socket, head, check) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        // refused after the upgrade so that the client can read why (a failed upgrade has no reason)
        if (check.problem) {
          ws.close(CLOSE.forbidden, closeReason(check.problem));
          return;
        }
        onConnection(ws, check);
      });
    },
    close() {
      clearInterval(heartbeat);
      clearInterval(revoked);
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
    clients: () => hub.browsers.size + (hub.trainer ? 1 : 0),
    browsers: () => hub.browsers.size,
  };
}

/** The /ws upgrade: checked like a request (P9), then handed to the hub of the session it names
 *  (`/ws?session=NAME`; none: the default session). `pick` answers the hub, or why the socket is refused. */
export function attachUpgrades(
  server: Server,
  ctx: Ctx,
  pick: (session: string | null, check: UpgradeCheck) => SessionHub | string,
): { close(): void } {
  const refuse = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://x');
    } catch {
      socket.destroy();
      return;
    } // a malformed target
    if (url.pathname !== '/ws') {
      socket.destroy();
      return;
    }
    const check = checkUpgrade(ctx, req, url);
    let hub: SessionHub | string;
    try {
      hub = check.problem ? check.problem : pick(url.searchParams.get('session'), check);
    } catch (e) {
      hub = (e as Error).message;
    }
    if (typeof hub !== 'string') {
      hub.accept(req, socket, head, check);
      return;
    }
    const why = hub;
    refuse.handleUpgrade(req, socket, head, (ws) => ws.close(CLOSE.forbidden, closeReason(why)));
  });
  return {
    close() {
      for (const c of refuse.clients) c.terminate();
      refuse.close();
    },
  };
}
