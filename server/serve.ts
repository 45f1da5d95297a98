// Starts the HTTP server (Hono on @hono/node-server) with the /ws hub on the same port.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createApp } from './app.ts';
import { createBus, type Ctx, type ServerConfig } from './context.ts';
import { attachHub } from './hub.ts';
import { closeSession, getSetting, openSession } from './session.ts';
import type { TrainerStatus } from './protocol.ts';
import { DEFAULT_WEB_DIR } from './web-build.ts';

export { DEFAULT_WEB_DIR };

export interface StartOptions {
  sessionsDir: string; session: string; port?: number; host?: string; token?: string | null; webDir?: string | null;
  bodyLimit?: number; claimTtlMs?: number; create?: boolean; log?: (line: string) => void;
}
export interface Running { url: string; port: number; host: string; token: string | null; ctx: Ctx; close(): Promise<void> }

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function startServer(o: StartOptions): Promise<Running> {
  const host = o.host ?? '127.0.0.1';
  const log = o.log ?? ((l: string) => console.log(l));
  let token = o.token ?? null;
  if (!isLoopback(host) && !token) {
    token = randomBytes(16).toString('hex');
    log(`bound to ${host}: trainers must present --token ${token}`);
  }
  const config: ServerConfig = {
    host, port: o.port ?? 8001, token, webDir: o.webDir === undefined ? DEFAULT_WEB_DIR : o.webDir,
    bodyLimit: o.bodyLimit ?? 32 * 1024 * 1024, claimTtlMs: o.claimTtlMs ?? 5 * 60_000,
  };
  const ctx: Ctx = {
    session: openSession(o.sessionsDir, o.session, { create: o.create }),
    config, bus: createBus(), trainer: { online: false, status: null }, pending: new Map(),
    reopen() { ctx.session = openSession(o.sessionsDir, o.session, { create: true }); ctx.trainer.status = null; },
  };
  // the last status the trainer reported, shown as stale until a trainer connects
  ctx.trainer.status = getSetting<TrainerStatus>(ctx.session.db, 'trainer');
  const app = createApp(ctx);
  const server = await new Promise<Server>((res, rej) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: host }, () => res(s as Server));
    (s as Server).once('error', rej);
  });
  const hub = attachHub(server, ctx);
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  return {
    url, port, host, token, ctx,
    async close() {
      hub.close();
      await new Promise<void>((res) => { server.closeAllConnections?.(); server.close(() => res()); });
      closeSession(ctx.session);
    },
  };
}
