// Shapes shared by the hub's parts (hub.ts, hub-hello.ts, hub-trainer.ts), here to keep imports one-way.
import type { WebSocket } from 'ws';
import type { ServerToBrowser, ServerToTrainer } from '../common/protocol.ts';

export interface Client {
  ws: WebSocket;
  role: 'browser' | 'trainer';
  focus: number[];
  /** the annotator a per-annotator credential named, if any (identity from the credential, not the hello) */
  annotator: string | null;
  /** a trainer's process id from its hello (P7) */
  instance?: string;
  /** whether the credential the socket came with still resolves (absent: it came with none) */
  recheck?: () => boolean;
}

export interface Hub {
  browsers: Set<Client>;
  trainer: Client | null;
  send(ws: WebSocket, msg: ServerToBrowser | ServerToTrainer): void;
  toBrowsers(msg: ServerToBrowser): void;
}
