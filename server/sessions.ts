// The session registry: every session under the sessions folder is reachable; one is opened (database,
// bus, trainer state, socket hub, per-session API) on first use and closed after a while without sockets or
// requests. The default session (--session, else demo) stays open: the single-session routes address it.
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { Hono } from 'hono';
import { createBus, type Ctx, type OpenSession, type Registry, type ServerConfig } from './context.ts';
import { closeSession, getSetting, openSession, validName, NAME_RULE } from './session.ts';
import type { TrainerStatus } from '../common/protocol.ts';
import { apiRoutes, onAppError } from './app.ts';
import { attachUpgrades, sessionHub, type SessionHub } from './hub.ts';
import { AppError } from './errors.ts';
import { mayOpen } from './security/auth.ts';

export function sessionCtx(config: ServerConfig, sessionsDir: string, name: string, create = false): Ctx {
  const ctx: Ctx = {
    session: openSession(sessionsDir, name, { create, checkpoints: true }),
    config,
    bus: createBus(),
    trainer: { online: false, status: null },
    pending: new Map(),
    importing: false,
    reopen() {
      ctx.session = openSession(sessionsDir, name, { create: true, checkpoints: true });
      ctx.trainer.status = null;
    },
  };
  // the last status the trainer reported, shown as stale until a trainer connects
  ctx.trainer.status = getSetting<TrainerStatus>(ctx.session.db, 'trainer');
  return ctx;
}

/** The per-session API: the same routes as the single-session app, behind the outer app's guards. The
 *  annotator a token named comes along in `env` (the outer app authenticated the request). */
function sessionApp(ctx: Ctx): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const a = (c.env as { hiltAuthAnnotator?: string } | undefined)?.hiltAuthAnnotator;
    if (a) c.set('authAnnotator', a);
    await next();
  });
  app.route('/', apiRoutes(ctx));
  app.all('*', (c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError(onAppError);
  return app;
}

interface Entry extends OpenSession {
  wsHub: SessionHub;
}

export interface RegistryOptions {
  config: ServerConfig;
  sessionsDir: string;
  defaultCtx: Ctx;
  home: 'projects' | 'session';
  /** a session without sockets or requests for this long is closed (default 10 min) */
  idleCloseMs?: number;
}

export function createRegistry(o: RegistryOptions): Registry & {
  attach(server: Server): void;
  /** end every socket (before the HTTP server closes: it waits for upgraded connections too) */
  closeSockets(): void;
  /** close every session's database */
  closeAll(): Promise<void>;
} {
  const open = new Map<string, Entry>();
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const entry = (ctx: Ctx): Entry => {
    const name = ctx.session.name;
    const app = sessionApp(ctx);
    const wsHub = sessionHub(ctx, (n) => events.emit('browsers', name, n));
    return { ctx, fetch: (req, env) => app.fetch(req, env), hub: wsHub, wsHub, busy: 0, lastUsed: Date.now() };
  };
  const defaultName = o.defaultCtx.session.name;
  open.set(defaultName, entry(o.defaultCtx));
  let upgrades: { close(): void } | null = null;

  const reg = {
    sessionsDir: o.sessionsDir,
    defaultName,
    home: o.home,
    events,
    peek: (name: string) => open.get(name),
    get(name: string): OpenSession {
      if (!validName(name)) throw new AppError(400, 'invalid_session', `invalid session name "${name}" (${NAME_RULE})`);
      let e = open.get(name);
      if (!e) {
        e = entry(sessionCtx(o.config, o.sessionsDir, name)); // 404 no_session when there is no such folder
        open.set(name, e);
      }
      e.lastUsed = Date.now();
      return e;
    },
    async close(name: string) {
      const e = open.get(name);
      if (!e || name === defaultName) return;
      open.delete(name);
      e.wsHub.close();
      events.emit('closed', name);
      await closeSession(e.ctx.session);
    },
    attach(server: Server) {
      upgrades = attachUpgrades(server, o.defaultCtx, (session, check) => {
        const name = session ?? defaultName;
        if (!mayOpen(check.cred, name)) return `forbidden: this token is not for session "${name}"`;
        return (reg.get(name) as Entry).wsHub;
      });
    },
    closeSockets() {
      clearInterval(sweep);
      upgrades?.close();
      for (const e of open.values()) e.wsHub.close();
    },
    async closeAll() {
      reg.closeSockets();
      for (const [name, e] of [...open]) {
        open.delete(name);
        await closeSession(e.ctx.session);
      }
    },
  };
  const idleMs = o.idleCloseMs ?? 10 * 60_000;
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [name, e] of open)
        if (
          name !== defaultName &&
          e.busy === 0 &&
          e.hub.clients() === 0 &&
          !e.ctx.importing &&
          now - e.lastUsed > idleMs
        )
          void reg.close(name);
    },
    Math.min(30_000, Math.max(250, idleMs / 2)),
  );
  sweep.unref();
  return reg;
}
