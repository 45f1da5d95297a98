// The browser's /ws connection: hello as a browser, validate every frame, reconnect by itself with
// capped exponential backoff, and expose whether it is connected (and why not) as signals. Trainer
// frames go to the session store like every other frame.
import { createSignal, type Accessor } from 'solid-js';
import { PROTOCOL_VERSION, CLOSE, parseFrame, serverToBrowser, type ServerToBrowser } from '../../common/protocol.ts';
import { pageSession } from './session-base.ts';

type Msg<T extends ServerToBrowser['type']> = Extract<ServerToBrowser, { type: T }>;
type Handler<T extends ServerToBrowser['type']> = (msg: Msg<T>) => void;

export interface Socket {
  /** the socket is open and the server said welcome */
  online: Accessor<boolean>;
  /** why we are not connected (shown in the offline banner) */
  problem: Accessor<string | null>;
  on<T extends ServerToBrowser['type']>(type: T, fn: Handler<T>): () => void;
  /** called after every (re)connection: refetch what may have changed meanwhile */
  onReconnect(fn: () => void): () => void;
  /** tell the server (and so the trainer) which image is in view: it gets predicted first */
  focus(imageId: number): void;
  /** connect, if created with `lazy` (idempotent) */
  start(): void;
  close(): void;
}

/** `lazy`: connect only when `start()` is called (the projects page joins no session) */
export function createSocket(url = defaultUrl(), annotator?: string, opts: { lazy?: boolean } = {}): Socket {
  const [online, setOnline] = createSignal(false);
  const [problem, setProblem] = createSignal<string | null>(null);
  const handlers = new Map<string, Set<(m: never) => void>>();
  const reconnects = new Set<() => void>();
  let ws: WebSocket | null = null;
  let focused: number | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let started = false;
  let welcomedBefore = false;

  const emit = (msg: ServerToBrowser) => {
    for (const fn of handlers.get(msg.type) ?? []) (fn as (m: ServerToBrowser) => void)(msg);
  };
  const send = (m: object) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
  };

  function connect() {
    if (closed) return;
    const s = new WebSocket(url);
    ws = s;
    s.onopen = () =>
      send({ type: 'hello', version: PROTOCOL_VERSION, role: 'browser', ...(annotator ? { annotator } : {}) });
    s.onmessage = (ev) => {
      const r = parseFrame(serverToBrowser, ev.data);
      if (!r.ok) {
        console.warn('hilt: ignoring an invalid frame:', r.error);
        return;
      }
      const msg = r.msg;
      if (msg.type === 'welcome') {
        attempt = 0;
        setOnline(true);
        setProblem(null);
        if (focused !== null) send({ type: 'focus', imageId: focused });
        if (welcomedBefore) for (const fn of reconnects) fn();
        welcomedBefore = true;
      } else if (msg.type === 'error') console.warn(`hilt: server says ${msg.code}: ${msg.message}`);
      emit(msg);
    };
    s.onclose = (ev) => {
      if (ws !== s) return;
      setOnline(false);
      if (ev.code === CLOSE.incompatible) setProblem(`${ev.reason} — reload the page to get the matching app`);
      else if (ev.code === CLOSE.unauthorised) {
        location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`);
        return;
      } else setProblem(ev.reason || 'connection lost');
      // 0.5 s, 1 s, 2 s … capped at 10 s, with jitter so many tabs don't reconnect in lockstep
      const delay = Math.min(10_000, 500 * 2 ** attempt++) * (0.75 + Math.random() * 0.5);
      clearTimeout(timer);
      timer = setTimeout(connect, delay);
    };
    s.onerror = () => {
      /* onclose follows and schedules the retry */
    };
  }

  const start = () => {
    if (started || closed) return;
    started = true;
    connect();
  };
  if (!opts.lazy) start();
  // keeps idle proxies from dropping the socket, and notices a dead one sooner
  ping = setInterval(() => send({ type: 'ping' }), 25_000);
  // coming back from sleep or a network change: retry at once instead of waiting out the backoff
  const retryNow = () => {
    if (started && !online() && !closed) {
      attempt = 0;
      clearTimeout(timer);
      if (ws?.readyState !== WebSocket.CONNECTING) connect();
    }
  };
  window.addEventListener('online', retryNow);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') retryNow();
  });

  return {
    online,
    problem,
    on(type, fn) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, (set = new Set()));
      set.add(fn as (m: never) => void);
      return () => set!.delete(fn as (m: never) => void);
    },
    onReconnect(fn) {
      reconnects.add(fn);
      return () => reconnects.delete(fn);
    },
    start,
    focus(imageId) {
      if (focused === imageId) return;
      focused = imageId;
      send({ type: 'focus', imageId });
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(ping);
      window.removeEventListener('online', retryNow);
      ws?.close();
    },
  };
}

/** this page's session socket (`?session=NAME` on a session's page; the default session otherwise) */
export function sessionSocketUrl(session: string | null = pageSession): string {
  const q = session ? `?session=${encodeURIComponent(session)}` : '';
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws${q}`;
}
const defaultUrl = () => sessionSocketUrl();
