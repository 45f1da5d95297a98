// Everything a request handler or the socket hub needs: the open session, a change bus, the trainer state.
import { EventEmitter } from 'node:events';
import type { Session } from './session.ts';
import type { ServerToBrowser, ServerToTrainer, TrainerStatus, TrainerToServer } from '../common/protocol.ts';
import type { TokenStore } from './security/tokens.ts';
import type { SigninStore } from './security/signins.ts';
import type { FailureLimiter } from './security/backoff.ts';
import type { TrainerState } from './session-list.ts';

export interface ServerConfig {
  host: string;
  port: number;
  token: string | null;
  webDir: string | null;
  bodyLimit: number;
  claimTtlMs: number;
  /** bound off loopback: every route and both socket roles need a credential */
  requireAuth: boolean;
  /** Host names answered (lower case, IPv6 without brackets) and extra origins allowed to write */
  allowHosts: Set<string>;
  allowOrigins: string[];
  /** folders POST /api/import may read from (real paths); empty = no import over HTTP */
  importRoots: string[];
  importLimits: { maxFiles: number; maxMs: number };
  /** POST /api/predict: the largest image (width × height) passed on to the trainer */
  maxUploadPixels: number;
  /** per-annotator tokens (<sessions dir>/tokens.json) */
  tokens: TokenStore;
  /** browser sign-ins: the cookie's random id → the token it stands for */
  signins: SigninStore;
  /** failed credentials per client address (off loopback: back off) */
  failures: FailureLimiter;
}

/** Frames to fan out: `browser` goes to every browser socket, `trainer` to the trainer socket. */
export interface Bus extends EventEmitter {
  emit(event: 'browser', msg: ServerToBrowser): boolean;
  emit(event: 'trainer', msg: ServerToTrainer): boolean;
  on(event: 'browser', fn: (msg: ServerToBrowser) => void): this;
  on(event: 'trainer', fn: (msg: ServerToTrainer) => void): this;
}

export interface Ctx {
  session: Session;
  config: ServerConfig;
  bus: Bus;
  trainer: { online: boolean; status: TrainerStatus | null };
  /** POST /api/predict requests waiting for the trainer's `predicted` answer, by request id */
  pending: Map<string, (msg: Extract<TrainerToServer, { type: 'predicted' }>) => void>;
  /** called after a reset swapped the session folder */
  reopen(): void;
  /** an import started over HTTP is running (one at a time) */
  importing: boolean;
}

export function createBus(): Bus {
  const bus = new EventEmitter() as Bus;
  bus.setMaxListeners(0);
  return bus;
}

/** A session the server has open: its context, its API (the per-session Hono app) and its sockets. */
export interface OpenSession {
  ctx: Ctx;
  fetch(req: Request, env?: unknown): Response | Promise<Response>;
  hub: { clients(): number; browsers(): number };
  /** requests running now (an idle session is closed only when none is) */
  busy: number;
  lastUsed: number;
}

/** Every session under the sessions folder, opened on first use and closed when idle (the default one stays open). */
export interface Registry {
  sessionsDir: string;
  /** the session the single-session routes (/api/…, /ws without ?session=) address */
  defaultName: string;
  /** where the web app opens: the projects page, or the default session's home */
  home: 'projects' | 'session';
  /** the open session of that name, opening it if needed (AppError 400 invalid name, 404 none) */
  get(name: string): OpenSession;
  /** the open session of that name, or undefined (opens nothing) */
  peek(name: string): OpenSession | undefined;
  /** close a session's sockets and database (not the default one) */
  close(name: string): Promise<void>;
  /** 'browsers' (name, n): a browser joined or left a session; 'closed' (name): a session was closed */
  events: EventEmitter;
  /** what the trainer supervisor (hilt start) does for a session; unset: no supervisor */
  trainerState?: (name: string) => TrainerState;
}
