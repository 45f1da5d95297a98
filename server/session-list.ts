// What the projects page shows of a session, read cheaply: counters kept by triggers (primary-key lookups),
// the trainer's last status from settings, the database files' modification time.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db/open.ts';
import { openDb } from './db/open.ts';
import { counter, countersWith } from './counters.ts';
import { getSetting, getTask, validName } from './session.ts';
import type { Task, TrainerStatus } from '../common/protocol.ts';

/** `running` / `queued` / `idle`: what `hilt start`'s supervisor does for the session; `online` / `offline`:
 *  whether a trainer is connected, where no supervisor runs (`hilt serve`) */
export type TrainerState = 'running' | 'queued' | 'idle' | 'online' | 'offline';

export interface SessionSummary {
  name: string;
  task: Task | null;
  backbone: string | null;
  images: number;
  labelled: number;
  skipped: number;
  /** labels by annotator */
  byAnnotator: Record<string, number>;
  modelVersion: number;
  /** live accuracy: the share of labels whose shown prediction was right (null before any) */
  accuracy: number | null;
  /** ISO time of the last write to the session's database */
  lastActivity: string | null;
  open: boolean;
  trainer: TrainerState;
}

function lastWrite(dir: string): string | null {
  let t = 0;
  for (const f of ['session.db', 'session.db-wal']) {
    try {
      t = Math.max(t, statSync(join(dir, f)).mtimeMs);
    } catch {
      /* no such file */
    }
  }
  return t ? new Date(t).toISOString() : null;
}

export function summarise(db: Db, dir: string, name: string): Omit<SessionSummary, 'open' | 'trainer'> {
  const status = getSetting<TrainerStatus>(db, 'trainer');
  const n = counter(db, 'live_n');
  return {
    name,
    task: getTask(db),
    backbone: status?.backbone || null,
    images: counter(db, 'images'),
    labelled: counter(db, 'labelled'),
    skipped: counter(db, 'skipped'),
    byAnnotator: Object.fromEntries(countersWith(db, 'annotator:')),
    modelVersion: status?.modelVersion ?? 0,
    accuracy: n ? counter(db, 'live_correct') / n : null,
    lastActivity: lastWrite(dir),
  };
}

/** The sessions under `sessionsDir` (valid names only: archived copies from a reset carry a dot), sorted by name. */
export function sessionNames(sessionsDir: string): string[] {
  if (!existsSync(sessionsDir)) return [];
  return readdirSync(sessionsDir)
    .filter((e) => validName(e) && existsSync(join(sessionsDir, e, 'session.db')))
    .sort();
}

export function summariseClosed(sessionsDir: string, name: string): Omit<SessionSummary, 'open' | 'trainer'> {
  const dir = join(sessionsDir, name);
  const db = openDb(join(dir, 'session.db'));
  try {
    return summarise(db, dir, name);
  } finally {
    db.$client.close();
  }
}
