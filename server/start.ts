// `hilt start` / `hilt serve`: the server in this process, trainers as child processes with prefixed logs
// (one per session a browser has open, or the one session given with --session).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { networkInterfaces } from 'node:os';
import { startServer, type Running } from './serve.ts';
import { isWildcard } from './security/hosts.ts';
import { startLoopStats } from './loop-stats.ts';
import { DEFAULT_WEB_DIR, ensureWebBuilt } from './web-build.ts';
import { sessionNames } from './session-list.ts';
import { defaultTrainerCap, superviseTrainers } from './trainers.ts';

export interface StartCmd {
  /** serve this session as the default one and keep its trainer running; absent: every session, trainers on demand */
  session?: string;
  sessionsDir: string;
  port: string;
  host: string;
  token?: string;
  trainer: boolean;
  backbone?: string;
  device?: string;
  resolution?: string;
  offline?: boolean;
  replace?: boolean;
  allowOrigin?: string[];
  allowHost?: string[];
  importRoot?: string[];
  /** the most trainers running at once (default: from cores and free memory) */
  maxTrainers?: string;
  /** seconds a session's trainer keeps running after its last browser left */
  trainerIdle?: string;
}

/** An address others can reach for a wildcard bind (the first non-internal IPv4), for the printed link. */
function reachable(host: string): string {
  if (!isWildcard(host)) return host.includes(':') ? `[${host}]` : host;
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

function announce(srv: Running): void {
  console.log(`listening on ${srv.url}`);
  // HILT_SERVER_STATS_MS: periodic event-loop figures (what the scale benchmark reads)
  const every = Number(process.env.HILT_SERVER_STATS_MS) || 0;
  if (every > 0) startLoopStats((l) => console.log(`[server] ${l}`), every);
  const c = srv.ctx.config;
  if (c.requireAuth) {
    console.log(`[server] off loopback: every request needs the token. Sign-in link for the team (keep it private):`);
    console.log(`[server]   http://${reachable(srv.host)}:${srv.port}/?token=${srv.token}`);
    console.log(`[server] answering Host names: ${[...c.allowHosts].join(', ')} (add more with --allow-host)`);
  }
  console.log(
    `[server] import over HTTP: ${c.importRoots.length ? `from ${c.importRoots.join(', ')}` : 'off (start with --import-root DIR to allow it)'}`,
  );
}

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'hilt.js');

function prefixed(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WriteStream) {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) out.write(`${prefix} ${l}\n`);
  });
}

/** The default session without --session: demo when it exists or nothing else does, else the first by name. */
function defaultSession(sessionsDir: string): string {
  const names = sessionNames(sessionsDir);
  return names.includes('demo') || !names.length ? 'demo' : names[0];
}

export async function start(o: StartCmd): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${o.port}`);
  const session = o.session ?? defaultSession(o.sessionsDir);
  if (!existsSync(join(o.sessionsDir, session, 'session.db'))) {
    if (session !== 'demo')
      throw new Error(
        `no session "${session}" in ${o.sessionsDir} — create it with \`hilt import --session ${session} <folder>\``,
      );
    console.log('[server] creating the demo session (generated shapes; first run only)…');
    const { createDemoSession } = await import('../scripts/make-demo.ts');
    await createDemoSession(o.sessionsDir, 'demo');
  }
  // a plain `npm install` has no dist/web, and a pulled change leaves it old: build it first (seconds)
  const webDir = process.env.HILT_WEB_DIR || DEFAULT_WEB_DIR;
  await ensureWebBuilt({ out: webDir, log: (l) => console.log(`[server] ${l}`) }).catch((e) =>
    console.error(
      `[server] could not build the web app (${(e as Error).message}); the API still runs — try \`npm run build\``,
    ),
  );
  const srv = await startServer({
    sessionsDir: o.sessionsDir,
    session,
    port,
    host: o.host,
    token: o.token ?? null,
    webDir,
    log: (l) => console.log(`[server] ${l}`),
    allowOrigins: o.allowOrigin,
    allowHosts: o.allowHost,
    importRoots: o.importRoot,
    home: o.session ? 'session' : 'projects',
  });
  announce(srv);
  const launch = (name: string, first: boolean) => {
    const wsHost = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : srv.host;
    const args = [
      BIN,
      'train',
      '--session',
      name,
      '--sessions-dir',
      o.sessionsDir,
      '--server',
      `ws://${wsHost.includes(':') ? `[${wsHost}]` : wsHost}:${srv.port}/ws?session=${encodeURIComponent(name)}`,
      '--backbone',
      o.backbone ?? 'dinov3-vits16',
      '--device',
      o.device ?? 'auto',
      '--resolution',
      o.resolution ?? '224',
    ];
    // the token goes by environment, not argv: a command line is readable by every user of the machine (ps)
    const env = srv.token ? { ...process.env, HILT_TOKEN: srv.token } : process.env;
    if (o.offline) args.push('--offline');
    // --replace takes over once: a restarted child must not push out a trainer that connected meanwhile
    if (o.replace && first) args.push('--replace');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const prefix = o.session ? '[trainer]' : `[trainer ${name}]`;
    prefixed(child.stdout!, prefix, process.stdout);
    prefixed(child.stderr!, prefix, process.stderr);
    return child;
  };
  const cap = Number(o.maxTrainers ?? process.env.HILT_MAX_TRAINERS) || defaultTrainerCap();
  const idleS = Number(o.trainerIdle ?? process.env.HILT_TRAINER_IDLE_S);
  const supervisor = o.trainer
    ? superviseTrainers({
        registry: srv.registry,
        launch,
        cap,
        idleMs: (Number.isFinite(idleS) && idleS >= 0 ? idleS : 300) * 1000,
        pinned: o.session ? [o.session] : [],
        log: (l) => console.log(`[server] ${l}`),
      })
    : null;
  if (supervisor && !o.session)
    console.log(`[server] trainers start when a session is opened in the browser (at most ${cap} at once)`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await supervisor?.close();
    await srv.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
