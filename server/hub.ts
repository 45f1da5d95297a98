// The /ws hub: handshake (P1–P3, P5), per-frame validation (P4), trainer output persisted then rebroadcast (P6).
// Browsers get predictions only for images they recently focused; others read them over HTTP when opened.
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Ctx } from './context.ts';
import { CLOSE, PROTOCOL_VERSION, browserToServer, helloSchema, parseFrame, trainerToServer } from './protocol.ts';
import type { ServerToBrowser, ServerToTrainer, TrainerToServer } from './protocol.ts';
import { persistTrainerFrame } from './trainer-sink.ts';
import { buildSnapshot } from './snapshot.ts';
import { setSetting } from './session.ts';

interface Client { ws: WebSocket; role: 'browser' | 'trainer'; focus: number[] }

export function attachHub(server: Server, ctx: Ctx): { close(): void; clients(): number } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const browsers = new Set<Client>();
  let trainer: Client | null = null;
  const send = (ws: WebSocket, msg: ServerToBrowser | ServerToTrainer) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg)); };
  const toBrowsers = (msg: ServerToBrowser) => { for (const b of browsers) send(b.ws, msg); };

  ctx.bus.on('browser', toBrowsers);
  ctx.bus.on('trainer', (msg) => {
    if (!trainer) return;
    send(trainer.ws, msg);
    // after a reset (task lock, session reset, import) the trainer starts again from a fresh snapshot
    if (msg.type === 'reset') send(trainer.ws, buildSnapshot(ctx));
  });

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/ws') { socket.destroy(); return; }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket) {
    let client: Client | null = null;
    const timer = setTimeout(() => { if (!client) ws.close(CLOSE.badHello, 'expected a hello frame within 5 s'); }, 5000);
    ws.on('message', (raw, isBinary) => {
      if (isBinary) { send(ws, { type: 'error', code: 'binary_frame', message: 'frames must be JSON text' }); return; }
      const text = raw.toString();
      if (!client) {
        const h = parseFrame(helloSchema, text);
        if (!h.ok) { ws.close(CLOSE.badHello, `first frame must be hello: ${h.error}`.slice(0, 120)); return; }
        if (h.msg.version !== PROTOCOL_VERSION) {
          ws.close(CLOSE.incompatible, `incompatible protocol: server speaks ${PROTOCOL_VERSION}, client ${h.msg.version}`); return;
        }
        if (h.msg.role === 'trainer' && ctx.config.token && h.msg.token !== ctx.config.token) {
          ws.close(CLOSE.unauthorised, 'unauthorised: this server needs the session token (--token)'); return;
        }
        clearTimeout(timer);
        client = { ws, role: h.msg.role, focus: [] };
        send(ws, { type: 'welcome', version: PROTOCOL_VERSION, session: ctx.session.name, role: h.msg.role });
        if (client.role === 'trainer') {
          if (trainer) trainer.ws.close(CLOSE.replaced, 'replaced by a newer trainer connection');
          trainer = client;
          ctx.trainer.online = true;
          send(ws, buildSnapshot(ctx));
          for (const b of browsers) for (const id of b.focus.slice(-1)) send(ws, { type: 'focus', imageId: id });
          toBrowsers({ type: 'trainer', online: true, status: ctx.trainer.status });
        } else {
          browsers.add(client);
          send(ws, { type: 'trainer', online: ctx.trainer.online, status: ctx.trainer.status });
        }
        return;
      }
      if (client.role === 'browser') onBrowser(client, text); else onTrainer(client, text);
    });
    ws.on('close', () => {
      clearTimeout(timer);
      if (!client) return;
      if (client.role === 'browser') browsers.delete(client);
      else if (trainer === client) {
        trainer = null;
        ctx.trainer.online = false;
        toBrowsers({ type: 'trainer', online: false, status: ctx.trainer.status });
      }
    });
    ws.on('error', () => { /* a broken socket only affects itself */ });
  }

  function onBrowser(c: Client, text: string) {
    const r = parseFrame(browserToServer, text);
    if (!r.ok) { send(c.ws, { type: 'error', code: 'invalid_frame', message: r.error }); return; }
    const msg = r.msg;
    if (msg.type === 'focus') {
      c.focus = [...c.focus.filter((id) => id !== msg.imageId), msg.imageId].slice(-4);
      if (trainer) send(trainer.ws, { type: 'focus', imageId: msg.imageId });
    } else if (msg.type === 'ping') send(c.ws, { type: 'pong' });
    else send(c.ws, { type: 'error', code: 'unexpected_hello', message: 'already said hello' });
  }

  function onTrainer(c: Client, text: string) {
    const r = parseFrame(trainerToServer, text);
    if (!r.ok) { send(c.ws, { type: 'error', code: 'invalid_frame', message: r.error }); return; }
    const msg: TrainerToServer = r.msg;
    if (msg.type === 'ping') { send(c.ws, { type: 'pong' }); return; }
    if (msg.type === 'hello') { send(c.ws, { type: 'error', code: 'unexpected_hello', message: 'already said hello' }); return; }
    if (msg.type === 'predicted') { ctx.pending.get(msg.requestId)?.(msg); return; }
    try {
      persistTrainerFrame(ctx, msg);
    } catch (e) {
      send(c.ws, { type: 'error', code: 'rejected', message: (e as Error).message }); return;
    }
    if (msg.type === 'status') {
      ctx.trainer.status = msg.status;
      setSetting(ctx.session.db, 'trainer', msg.status);
      toBrowsers({ type: 'trainer', online: true, status: msg.status });
    } else if (msg.type === 'predictions') {
      for (const b of browsers) {
        for (const p of msg.items) if (b.focus.includes(p.imageId)) send(b.ws, { type: 'prediction', modelVersion: msg.modelVersion, prediction: p });
      }
    } else if (msg.type === 'suggestions') {
      toBrowsers({ type: 'suggestions', modelVersion: msg.modelVersion, strategies: Object.keys(msg.lists) });
    } else if (msg.type === 'metric') {
      toBrowsers({ type: 'metric', name: msg.name, step: msg.step, value: msg.value });
    }
  }

  return {
    close() { for (const c of wss.clients) c.terminate(); wss.close(); },
    clients: () => browsers.size + (trainer ? 1 : 0),
  };
}
