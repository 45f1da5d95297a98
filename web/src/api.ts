// The one module that talks HTTP. Every call is typed; a non-2xx answer throws ApiError carrying the
// server's {"error":{"code","message"}}.
import type { Annotation, Class, ImageList, ImageMeta, Point, SessionInfo, Stats, Task } from './types.ts';

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) { super(message); }
}

let annotator = 'anonymous';
try { annotator = localStorage.getItem('hilt.annotator') || 'anonymous'; } catch { /* private mode */ }
export const getAnnotator = () => annotator;
/** Who is labelling (X-Annotator); stored in this browser. */
export function setAnnotator(name: string): void {
  annotator = name.trim().slice(0, 64) || 'anonymous';
  try { localStorage.setItem('hilt.annotator', annotator); } catch { /* private mode */ }
}

async function call<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { 'X-Annotator': annotator, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      ...init,
    });
  } catch (e) {
    throw new ApiError(0, 'network', `the server can't be reached (${(e as Error).message})`);
  }
  if (res.ok) return (res.status === 204 ? null : await res.json()) as T;
  // off loopback: the sign-in cookie is gone or revoked, so sign in again and come back here
  if (res.status === 401) location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
  let code = 'http_' + res.status, message = res.statusText || `HTTP ${res.status}`;
  try {
    const j = await res.json();
    if (j?.error) { code = j.error.code ?? code; message = j.error.message ?? message; }
  } catch { /* not JSON */ }
  throw new ApiError(res.status, code, message);
}

const qs = (q: Record<string, string | number | boolean | undefined | null>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== false && v !== '') p.set(k, String(v === true ? 1 : v));
  const s = p.toString();
  return s ? '?' + s : '';
};

export type AnnotationBody =
  | { kind: 'label'; classId: number }
  | { kind: 'skip' }
  | { kind: 'mask'; points?: Point[]; mask?: string | null };

export interface ListQuery {
  offset?: number; limit?: number; label?: number; unlabelled?: boolean; labelled?: boolean;
  predicted?: number; wrong?: boolean; q?: string; sort?: string;
}

export const api = {
  session: () => call<SessionInfo>('GET', '/api/session'),
  setTask: (task: Task) => call<{ task: Task }>('PUT', '/api/session/task', { task }),
  reset: (confirm: string) => call<{ name: string; archivedAs: string }>('POST', '/api/session/reset', { confirm }),

  classes: () => call<{ classes: Class[] }>('GET', '/api/classes'),
  addClass: (name: string, color?: string) => call<{ class: Class }>('POST', '/api/classes', { name, color }),
  patchClass: (id: number, patch: { name?: string; color?: string; position?: number }) => call<{ class: Class }>('PATCH', `/api/classes/${id}`, patch),
  classUsage: (id: number) => call<{ annotations: number; points: number }>('GET', `/api/classes/${id}/usage`),
  deleteClass: (id: number) => call<{ deleted: { annotations: number } }>('DELETE', `/api/classes/${id}`),

  images: (q: ListQuery) => call<ImageList>('GET', '/api/images' + qs({ ...q })),
  image: (id: number) => call<ImageMeta>('GET', `/api/images/${id}`),
  fileUrl: (id: number) => `/api/images/${id}/file`,
  thumbUrl: (id: number) => `/api/images/${id}/thumb`,
  /** the mask PNG bytes, or null when the image has none (404 no_mask) */
  mask: async (id: number): Promise<Uint8Array | null> => {
    const res = await fetch(`/api/images/${id}/mask`, { headers: { 'X-Annotator': annotator }, cache: 'no-store' }).catch(() => null);
    if (!res) throw new ApiError(0, 'network', "the server can't be reached");
    if (res.status === 404) return null;
    if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, `mask of image ${id}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  },
  /** `keepalive` lets a save started while the page unloads still reach the server */
  annotate: (id: number, body: AnnotationBody, keepalive = false) =>
    call<{ annotation: Annotation }>('PUT', `/api/images/${id}/annotation`, body, keepalive ? { keepalive: true } : {}),
  unannotate: (id: number) => call<{ annotation: null; previous: Annotation | null }>('DELETE', `/api/images/${id}/annotation`),
  acceptPrediction: (id: number) => call<{ annotation: Annotation }>('POST', `/api/images/${id}/accept-prediction`),

  next: (q: { strategy?: string; class?: number; after?: number; before?: number; exclude?: number }) =>
    call<{ id: number | null; reason: string }>('GET', '/api/next' + qs({ ...q, annotator })),
  stats: () => call<Stats>('GET', '/api/stats'),
};
