// Everything a request handler or the socket hub needs: the open session, a change bus, the trainer state.
import { EventEmitter } from 'node:events';
import type { Session } from './session.ts';
import type { ServerToBrowser, ServerToTrainer, TrainerStatus, TrainerToServer } from '../common/protocol.ts';
import type { TokenStore } from './security/tokens.ts';
import type { SigninStore } from './security/signins.ts';
import type { FailureLimiter } from './security/backoff.ts';

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
