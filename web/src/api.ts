// The one module that talks HTTP, built on Hono's RPC client (`hc<AppType>`): inputs and answers are the
// server routes' own types (server/app.ts), not a copy. A non-2xx answer throws ApiError carrying the
// server's {"error":{"code","message"}}.
import { hc, type ClientResponse } from 'hono/client';
import type { AppType } from '../../server/app.ts';
import type { ProjectsType } from '../../server/routes/sessions.ts';
import { sessionApi } from './session-base.ts';
import type { AnnotationBody } from './api-types.ts';
import type { Task } from './types.ts';

export type { AnnotationBody } from './api-types.ts';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

// The display name this browser labels under (X-Annotator). Who it is comes from the server's cookie:
// with no name the server calls it guest-<id>, and two unnamed browsers are still two annotators.
const NAME_KEY = 'hilt.annotator';
let name = '';
try {
  name = localStorage.getItem(NAME_KEY) ?? '';
} catch {
  /* private mode */
}
if (name === 'anonymous') name = ''; // the old default meant "no name"
export const getName = () => name;
export function setName(next: string): void {
  name = next.trim().slice(0, 64);
  try {
    if (name) localStorage.setItem(NAME_KEY, name);
    else localStorage.removeItem(NAME_KEY);
  } catch {
    /* private mode */
  }
}

// same origin: relative URLs; the name goes with every request (a write with a body says application/json: hc sets it),
// percent-encoded: a header carries Latin-1 only, and a name may be in any script (the server decodes it)
const headers = (): Record<string, string> => (name ? { 'X-Annotator': encodeURIComponent(name) } : {});
// the routes are the single-session API's (/api/…); a page of a named session sends them to /api/sessions/NAME/…
const client = hc<AppType>('/', {
  headers,
  fetch: (input: RequestInfo | URL, init?: RequestInit) => {
    const u = new URL(input instanceof Request ? input.url : String(input), location.origin);
    u.pathname = sessionApi(u.pathname);
    return fetch(input instanceof Request ? new Request(u, input) : u, init);
  },
});
const projects = hc<ProjectsType>('/api/sessions', { headers });

/** what a route answers (of a union of answers, each one's body) */
type Body<R> = R extends ClientResponse<infer T, number, string> ? T : never;

/** The 2xx answer's JSON of a client call, or ApiError. */
async function call<R extends ClientResponse<unknown, number, string>>(req: Promise<R>): Promise<Body<R>> {
  let res: R;
  try {
    res = await req;
  } catch (e) {
    throw new ApiError(0, 'network', `the server can't be reached (${(e as Error).message})`);
  }
  if (res.ok) return (res.status === 204 ? null : await res.json()) as Body<R>;
  // off loopback: the sign-in cookie is gone or revoked, so sign in again and come back here
  if (res.status === 401) location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
  let code = 'http_' + res.status,
    message = res.statusText || `HTTP ${res.status}`;
  try {
    const j = (await res.json()) as { error?: { code?: string; message?: string } };
    if (j?.error) {
      code = j.error.code ?? code;
      message = j.error.message ?? message;
    }
  } catch {
    /* not JSON */
  }
  throw new ApiError(res.status, code, message);
}

/** A write the server could not take because the session was being reset (503 session_resetting) is
 *  sent again after the Retry-After second, a few times. */
async function retryResetting<T>(send: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await send();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'session_resetting') || i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** query values as the server reads them: true → 1; absent, null, false and '' left out */
const qs = (q: Record<string, string | number | boolean | undefined | null>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q))
    if (v !== undefined && v !== null && v !== false && v !== '') out[k] = String(v === true ? 1 : v);
  return out;
};
const id = (n: number) => ({ id: String(n) });

export interface ListQuery {
  offset?: number;
  limit?: number;
  label?: number;
  unlabelled?: boolean;
  labelled?: boolean;
  predicted?: number;
  wrong?: boolean;
  q?: string;
  sort?: string;
  /** sets of images (server/image-sets.ts): the review queue, a confusion cell "given:predicted", ids */
  review?: boolean;
  cell?: string;
  ids?: string;
  /** segmentation: 1 = has a mask, 0 = none; contains = a class id in the mask or the points */
  mask?: 0 | 1;
  contains?: number;
}

const { api: a } = client;
const images = a.images;

export const api = {
  session: () => call(a.session.$get()),
  setTask: (task: Task) => call(a.session.task.$put({ json: { task } })),
  reset: (confirm: string) => call(a.session.reset.$post({ json: { confirm } })),

  classes: () => call(a.classes.$get()),
  addClass: (name: string, color?: string) => call(a.classes.$post({ json: { name, color } })),
  patchClass: (n: number, patch: { name?: string; color?: string; position?: number }) =>
    call(a.classes[':id'].$patch({ param: id(n), json: patch })),
  classUsage: (n: number) => call(a.classes[':id'].usage.$get({ param: id(n) })),
  deleteClass: (n: number) => call(a.classes[':id'].$delete({ param: id(n) })),

  images: (q: ListQuery) => call(images.$get({ query: qs({ ...q }) })),
  image: (n: number) => call(images[':id'].$get({ param: id(n) })),
  fileUrl: (n: number) => sessionApi(`/api/images/${n}/file`),
  thumbUrl: (n: number) => sessionApi(`/api/images/${n}/thumb`),
  /** your mask, else the refined prediction, in class colours (`v` changes when either does) */
  maskThumbUrl: (n: number, v: string | number) =>
    sessionApi(`/api/images/${n}/mask-thumb?v=${encodeURIComponent(String(v))}`),
  /** the mask PNG bytes, or null when the image has none (404 no_mask) */
  mask: async (n: number): Promise<Uint8Array | null> => {
    const res = await images[':id'].mask.$get({ param: id(n) }, { init: { cache: 'no-store' } }).catch(() => null);
    if (!res) throw new ApiError(0, 'network', "the server can't be reached");
    if ((res.status as number) === 404) return null;
    if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, `mask of image ${n}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  },
  /** `keepalive` lets a save started while the page unloads still reach the server */
  annotate: (n: number, body: AnnotationBody, keepalive = false) =>
    retryResetting(() =>
      call(
        images[':id'].annotation.$put(
          { param: id(n), json: body },
          keepalive ? { init: { keepalive: true } } : undefined,
        ),
      ),
    ),
  unannotate: (n: number) => call(images[':id'].annotation.$delete({ param: id(n) })),
  /** `modelVersion`: the version of the prediction on screen; the server answers 409 stale_prediction if it changed */
  acceptPrediction: (n: number, modelVersion: number | undefined) =>
    call(images[':id']['accept-prediction'].$post({ param: id(n), json: { modelVersion } })),

  next: (q: { strategy?: string; class?: number; after?: number; before?: number; exclude?: number }) =>
    call(a.next.$get({ query: qs({ ...q }) })),
  stats: () => call(a.stats.$get()),
  strategies: () => call(a.strategies.$get()),
  evaluation: (q: { sort?: string; offset?: number; limit?: number; given?: number; predicted?: number } = {}) =>
    call(a.evaluation.$get({ query: qs({ ...q }) })),
  review: (q: { limit?: number; flagged?: boolean } = {}) => call(a.review.$get({ query: qs({ ...q }) })),
  keepLabel: (n: number) => call(a.review[':id'].keep.$post({ param: id(n) })),
  hints: () => call(a.hints.$get()),
  me: () => call(a.me.$get()),
  /** import a folder, CSV or COCO JSON on the server into this page's session (progress: `import` frames) */
  importPath: (path: string) => call(a.import.$post({ json: { path } })),
};

/** The sessions under the server's sessions folder (the projects page), independent of the page's session. */
export const sessionsApi = {
  list: () => call(projects.index.$get()),
  create: (name: string, task: Task | null) => call(projects.index.$post({ json: { name, task } })),
  rename: (from: string, to: string) => call(projects[':name'].rename.$post({ param: { name: from }, json: { to } })),
  reset: (session: string) =>
    fetch(`/api/sessions/${encodeURIComponent(session)}/session/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers() },
      body: JSON.stringify({ confirm: session }),
    }).then(async (r) => {
      if (!r.ok) {
        const j = (await r.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
        throw new ApiError(r.status, j?.error?.code ?? `http_${r.status}`, j?.error?.message ?? r.statusText);
      }
      return (await r.json()) as { name: string; archivedAs: string };
    }),
  /** import into a named session (progress goes to that session's sockets) */
  importInto: (session: string, path: string) =>
    fetch(`/api/sessions/${encodeURIComponent(session)}/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers() },
      body: JSON.stringify({ path }),
    }).then(async (r) => {
      const j = (await r.json().catch(() => null)) as {
        added?: number;
        error?: { code: string; message: string };
      } | null;
      if (!r.ok) throw new ApiError(r.status, j?.error?.code ?? `http_${r.status}`, j?.error?.message ?? r.statusText);
      return j as { added: number };
    }),
};
