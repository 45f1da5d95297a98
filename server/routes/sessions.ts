// /api/sessions: the projects list, create and rename; /api/sessions/:name/* hands the request to that
// session's own API (the same routes as /api/…, opened on demand). A token limited to some sessions sees
// and opens only those (403 forbidden_session elsewhere).
import { Hono, type Context } from 'hono';
import { renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Registry } from '../context.ts';
import { json } from '../validate.ts';
import { AppError } from '../errors.ts';
import { NAME_RULE, closeSession, openSession, validName } from '../session.ts';
import { mayOpen, type Credential } from '../security/auth.ts';
import { sessionNames, summarise, summariseClosed, type SessionSummary } from '../session-list.ts';
import { lockTask } from '../store.ts';
import { taskSchema } from '../../common/protocol.ts';
import { shareIdentity } from '../identity.ts';

const nameField = z.string({ error: `name must be a string (${NAME_RULE})` }).refine(validName, {
  error: `invalid session name (${NAME_RULE})`,
});
const createBody = z.object({ name: nameField, task: taskSchema.nullable().optional() });
const renameBody = z.object({ to: nameField });

const credOf = (c: Context) => (c.get('hiltCredential') ?? null) as Credential | null;

function mustOpen(c: Context, name: string): void {
  if (!mayOpen(credOf(c), name))
    throw new AppError(403, 'forbidden_session', `this token is not for session "${name}"`);
}
function unlimited(c: Context, what: string): void {
  const cred = credOf(c);
  if (cred?.kind === 'annotator' && cred.sessions)
    throw new AppError(403, 'forbidden_session', `a token limited to some sessions cannot ${what}`);
}

export function projectsRoutes(reg: Registry) {
  const dir = reg.sessionsDir;
  const summary = (name: string): SessionSummary => {
    const s = reg.peek(name);
    const base = s ? summarise(s.ctx.session.db, s.ctx.session.dir, name) : summariseClosed(dir, name);
    // an open session's trainer status is newer than the one kept in its settings
    const live = s?.ctx.trainer.status;
    if (live) {
      base.backbone = live.backbone || base.backbone;
      base.modelVersion = Math.max(base.modelVersion, live.modelVersion);
    }
    const trainer = reg.trainerState?.(name) ?? (s?.ctx.trainer.online ? ('online' as const) : ('offline' as const));
    return { ...base, open: !!s, trainer };
  };
  return new Hono()
    .get('/', (c) => {
      const names = sessionNames(dir).filter((n) => mayOpen(credOf(c), n));
      return c.json({ default: reg.defaultName, home: reg.home, sessions: names.map(summary) });
    })
    .post('/', json(createBody, { name: 'invalid_session', task: 'invalid_task' }), (c) => {
      unlimited(c, 'create sessions');
      const { name, task } = c.req.valid('json');
      if (existsSync(join(dir, name))) throw new AppError(409, 'session_exists', `a session "${name}" exists already`);
      const s = openSession(dir, name, { create: true });
      try {
        if (task) lockTask(s.db, task);
      } finally {
        void closeSession(s);
      }
      return c.json(summary(name), 201);
    })
    .post('/:name/rename', json(renameBody, { to: 'invalid_session' }), async (c) => {
      unlimited(c, 'rename sessions');
      const from = c.req.param('name');
      const { to } = c.req.valid('json');
      if (!validName(from)) throw new AppError(400, 'invalid_session', `invalid session name (${NAME_RULE})`);
      if (!existsSync(join(dir, from, 'session.db'))) throw new AppError(404, 'no_session', `no session "${from}"`);
      if (from === reg.defaultName)
        throw new AppError(
          409,
          'default_session',
          `"${from}" is the server's default session: it cannot be renamed while served`,
        );
      if (existsSync(join(dir, to))) throw new AppError(409, 'session_exists', `a session "${to}" exists already`);
      await reg.close(from); // its sockets and trainer go; the folder is then free to move
      renameSync(join(dir, from), join(dir, to));
      return c.json(summary(to));
    })
    .all('/:name/*', async (c) => {
      const url = new URL(c.req.url);
      const parts = url.pathname.split('/'); // '', 'api', 'sessions', name, …rest
      let name: string;
      try {
        name = decodeURIComponent(parts[3] ?? '');
      } catch {
        name = '';
      }
      if (!validName(name)) throw new AppError(400, 'invalid_session', `invalid session name (${NAME_RULE})`);
      mustOpen(c, name);
      const s = reg.get(name);
      url.pathname = '/api/' + parts.slice(4).join('/');
      const raw = c.req.raw;
      const body = raw.method === 'GET' || raw.method === 'HEAD' ? undefined : raw.body;
      const req = new Request(url, {
        method: raw.method,
        headers: raw.headers,
        body,
        signal: raw.signal,
        ...(body ? { duplex: 'half' } : {}),
      } as RequestInit);
      shareIdentity(raw, req);
      s.busy++;
      try {
        return await s.fetch(req, { ...(c.env as object), hiltAuthAnnotator: c.get('authAnnotator') });
      } finally {
        s.busy--;
        s.lastUsed = Date.now();
      }
    });
}

export type ProjectsType = ReturnType<typeof projectsRoutes>;
