// Starts the HTTP server (Hono on @hono/node-server) with the /ws hub on the same port.
import { getRequestListener } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { createApp } from './app.ts';
import type { Ctx, Registry, ServerConfig } from './context.ts';
import { createRegistry, sessionCtx } from './sessions.ts';
import { allowedHosts, isLoopback, normaliseOrigin } from './security/hosts.ts';
import { declaredTooLarge, rejectTooLarge } from './security/body-size.ts';
import { tokenStore, tokensFile } from './security/tokens.ts';
import { signinStore } from './security/signins.ts';
import { failureLimiter } from './security/backoff.ts';
import { MIN_TOKEN } from './security/auth.ts';

export { isLoopback };
import { DEFAULT_WEB_DIR } from './web-build.ts';

export { DEFAULT_WEB_DIR };

export interface StartOptions {
  sessionsDir: string;
  session: string;
  port?: number;
  host?: string;
  token?: string | null;
  webDir?: string | null;
  bodyLimit?: number;
  claimTtlMs?: number;
  create?: boolean;
  log?: (line: string) => void;
  /** --allow-origin / --allow-host: more origins that may write, more Host names answered */
  allowOrigins?: string[];
  allowHosts?: string[];
  /** --import-root; undefined = the default (home and cwd on loopback, none elsewhere) */
  importRoots?: string[];
  importLimits?: { maxFiles?: number; maxMs?: number };
  maxUploadPixels?: number;
  /** where the web app opens: 'projects' (hilt start without --session, several sessions) or the session's home */
  home?: 'projects' | 'session';
  /** an open session other than the default one is closed after this long without sockets or requests */
  sessionIdleMs?: number;
}
export interface Running {
  url: string;
  port: number;
  host: string;
  token: string | null;
  /** the default session's context */
  ctx: Ctx;
  registry: Registry;
  close(): Promise<void>;
}

/** Real paths of the import roots that exist (a root given but missing is reported, not fatal). */
function importRootsOf(given: string[] | undefined, loopback: boolean, log: (l: string) => void): string[] {
  const list = given ?? (loopback ? [homedir(), process.cwd()] : []);
  const out: string[] = [];
  for (const r of list) {
    try {
      out.push(realpathSync(resolve(r)));
    } catch {
      log(`import root ${r} does not exist: ignored`);
    }
  }
  return [...new Set(out)];
}

export async function startServer(o: StartOptions): Promise<Running> {
  const host = o.host ?? '127.0.0.1';
  const log = o.log ?? ((l: string) => console.log(l));
  const loopback = isLoopback(host);
  let token = o.token || null;
  if (token !== null && token.length < MIN_TOKEN) {
    throw new Error(
      `the token must be at least ${MIN_TOKEN} characters (a short one is guessed quickly); leave --token out to get a random one printed`,
    );
  }
  if (!loopback && !token) {
    token = randomBytes(16).toString('hex');
    log(`bound to ${host}: the API, the web app and trainers need the token ${token}`);
  }
  const config: ServerConfig = {
    host,
    port: o.port ?? 8001,
    token,
    webDir: o.webDir === undefined ? DEFAULT_WEB_DIR : o.webDir,
    bodyLimit: o.bodyLimit ?? 32 * 1024 * 1024,
    claimTtlMs: o.claimTtlMs ?? 5 * 60_000,
    requireAuth: !loopback,
    allowHosts: allowedHosts(host, o.allowHosts ?? []),
    allowOrigins: (o.allowOrigins ?? []).map(normaliseOrigin),
    importRoots: importRootsOf(o.importRoots, loopback, log),
    importLimits: { maxFiles: o.importLimits?.maxFiles ?? 200_000, maxMs: o.importLimits?.maxMs ?? 120_000 },
    maxUploadPixels: o.maxUploadPixels ?? 40_000_000,
    tokens: tokenStore(tokensFile(o.sessionsDir), log),
    signins: signinStore(),
    failures: failureLimiter(),
  };
  const ctx = sessionCtx(config, o.sessionsDir, o.session, o.create);
  const registry = createRegistry({
    config,
    sessionsDir: o.sessionsDir,
    defaultCtx: ctx,
    home: o.home ?? 'session',
    idleCloseMs: o.sessionIdleMs,
  });
  const app = createApp(ctx, registry);
  const listener = getRequestListener(app.fetch);
  const server = createServer((req, res) => {
    if (declaredTooLarge(req, config.bodyLimit)) rejectTooLarge(req, res, config.bodyLimit);
    else void listener(req, res);
  });
  // Idle keep-alive sockets stay open longer than any client keeps them (undici: 4 s, browsers: 60 s…): when
  // the server closes first, a request the client sends on that socket at the same moment is reset — seen
  // as `fetch failed: ECONNRESET` whenever the event loop was busy past node's default of 5 s.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('checkContinue', (req, res) => {
    if (declaredTooLarge(req, config.bodyLimit)) {
      rejectTooLarge(req, res, config.bodyLimit, true);
      return;
    }
    res.writeContinue();
    void listener(req, res);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(config.port, host, () => {
      server.off('error', rej);
      res();
    });
  });
  registry.attach(server);
  const port = (server.address() as AddressInfo).port;
  config.port = port; // the cookie name and the printed links use the real port
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  return {
    url,
    port,
    host,
    token,
    ctx,
    registry,
    async close() {
      registry.closeSockets();
      await new Promise<void>((res) => {
        server.closeAllConnections?.();
        server.close(() => res());
      });
      await registry.closeAll();
    },
  };
}
