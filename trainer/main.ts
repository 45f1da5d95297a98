// `hilt train`: load the backbone (falling back to `tiny` only for the demo or when asked), connect to the
// server, and run the live loop. The server may be on another host: images then come over HTTP.
import { connectTrainer } from './client.ts';
import { loopEmbedder } from './embedder.ts';
import { Trainer } from './trainer.ts';
import { PRETRAINED_FALLBACK } from './backbones/registry.ts';
import type { ServerToTrainer } from '../common/protocol.ts';
import { backboneLine } from './embed-progress.ts';

export interface TrainCmd {
  session: string;
  sessionsDir: string;
  server: string;
  token?: string;
  /** take over from a trainer already connected (once, on the first connection) */
  replace?: boolean;
  backbone: string;
  device: string;
  resolution: string;
  offline?: boolean;
  cacheRoot?: string | null;
  debounceMs?: number;
  /** false: no background model-quality work (hilt simulate without --noise) */
  background?: boolean;
  /** where log lines go (default stdout) */
  log?: (line: string) => void;
  /** the server refused this trainer for good (another trainer is connected, a wrong token…) */
  onFatal?: (reason: string) => void;
}

/** The session's HTTP API base for a socket URL (`…/ws?session=NAME` → `http(s)://host/api/sessions/NAME`). */
export function httpBaseOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  const session = u.searchParams.get('session');
  return session ? `${u.origin}/api/sessions/${encodeURIComponent(session)}` : `${u.origin}/api`;
}

/** The socket URL of a session: `/ws` added when missing, and `?session=NAME` (a server serves many sessions). */
export function sessionSocketUrl(server: string, session: string): string {
  const u = new URL(/\/ws(\?|$)/.test(server) ? server : server.replace(/\/?$/, '/ws'));
  if (!u.searchParams.has('session')) u.searchParams.set('session', session);
  return u.toString();
}

export async function runTrainer(o: TrainCmd): Promise<{ trainer: Promise<Trainer>; stop(): Promise<void> }> {
  const log = o.log ?? ((l: string) => console.log(l));
  const url = sessionSocketUrl(o.server, o.session);
  const pending: ServerToTrainer[] = [];
  let trainer: Trainer | null = null;
  let loading = 'starting';
  let failure: string | null = null;
  const failed = () => ({
    type: 'status' as const,
    status: {
      phase: 'error' as const,
      message: failure!,
      embedded: 0,
      total: 0,
      device: '',
      backbone: o.backbone,
      backboneNote: '',
      modelVersion: 0,
    },
  });
  const client = connectTrainer({
    url,
    token: o.token,
    replace: o.replace,
    log,
    onFatal: o.onFatal,
    onConnect: () => {
      log(`connected to ${url}`);
      // a trainer that could not start stays connected so the UI can say why
      if (failure) client.send(failed());
      else if (!trainer)
        client.send({
          type: 'status',
          status: {
            phase: 'loading',
            message: loading,
            embedded: 0,
            total: 0,
            device: '',
            backbone: o.backbone,
            backboneNote: '',
            modelVersion: 0,
          },
        });
    },
    onDisconnect: (why) => log(`disconnected (${why}); reconnecting`),
    onMessage: (msg) => {
      if (trainer) trainer.onMessage(msg);
      else pending.push(msg);
    },
  });
  const ready = (async () => {
    loading = `loading backbone ${o.backbone}`;
    const resolution = Number(o.resolution) || 224;
    const embedder = await loopEmbedder({
      backbone: o.backbone,
      device: o.device as 'auto',
      offline: o.offline,
      resolution,
      segShortSide: resolution * 2,
      // a first run builds or downloads the model folder it needs (`hilt fetch-model`; --offline: no hub)
      fetchMissing: true,
      // DINOv3 needs the hub; real ImageNet features need only npm. tiny only where machinery is the point:
      // the demo keeps working with neither (it says so), a user's session rather stops and says why.
      fallbacks: o.backbone.startsWith('dinov3')
        ? [PRETRAINED_FALLBACK, ...(o.session === 'demo' ? ['tiny'] : [])]
        : [],
    });
    log(`backbone: ${backboneLine(embedder.info.note)}`);
    log(`device: ${embedder.info.device} (${embedder.tried})`);
    const httpHeaders = o.token ? { Authorization: `Bearer ${o.token}` } : undefined;
    trainer = new Trainer({ send: (m) => client.send(m), httpBase: httpBaseOf(url), httpHeaders, log }, embedder, {
      cacheRoot: o.cacheRoot ?? null,
      debounceMs: o.debounceMs,
      background: o.background,
    });
    // HILT_TRAINER_STATS_MS: a `[stats]` line every so often (what the scale benchmark reads)
    const every = Number(process.env.HILT_TRAINER_STATS_MS) || 0;
    if (every > 0) {
      const t = trainer;
      setInterval(
        () =>
          log(
            `[stats] version=${t.version} embedded=${t.embedded.size} total=${t.images.size} bytes=${client.sent.bytes} frames=${client.sent.frames} deltaBytes=${t.sweep.bytesSent} rssMiB=${(process.memoryUsage.rss() / 2 ** 20).toFixed(1)}`,
          ),
        every,
      ).unref();
    }
    // only the newest snapshot and what followed it matter
    const last = pending.map((m) => m.type).lastIndexOf('snapshot'); // with the pages that follow it
    // the terminal still says why the session was reloaded while the backbone loaded
    for (const m of pending.slice(0, Math.max(0, last)))
      if (m.type === 'reset') log(`${m.reason}: reloading the session`);
    for (const m of pending.slice(Math.max(0, last))) trainer.onMessage(m);
    pending.length = 0;
    return trainer;
  })();
  ready.catch((e) => {
    failure = `cannot load backbone ${o.backbone}: ${(e as Error).message}`;
    log(failure);
    client.send(failed());
  });
  return {
    trainer: ready,
    async stop() {
      client.close();
      const t = await ready.catch(() => null);
      await t?.close(); // what the feature store buffered is written before exiting
      await t?.embedder.dispose?.();
    },
  };
}

export async function runTrainerCli(o: TrainCmd): Promise<void> {
  // a refusal is final (the client has printed why): exit 2 rather than retry against a server that will say the same
  const r = await runTrainer({ ...o, onFatal: () => process.exit(2) });
  await r.trainer.catch(() => {
    /* stays up, reporting the error to the UI until stopped */
  });
  const stop = async () => {
    await r.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
