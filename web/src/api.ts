// The one module that talks HTTP. Every call is typed; a non-2xx answer throws ApiError carrying the
// server's {"error":{"code","message"}}.
import type { Annotation, Class, EvaluationAnswer, HintList, ImageList, ImageMeta, Me, Point, ReviewList, SessionInfo, Stats, Strategy, StrategyInfo, Task } from './types.ts';

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) { super(message); }
}

// The display name this browser labels under (X-Annotator). Who it is comes from the server's cookie:
// with no name the server calls it guest-<id>, and two unnamed browsers are still two annotators.
const NAME_KEY = 'hilt.annotator';
let name = '';
try { name = localStorage.getItem(NAME_KEY) ?? ''; } catch { /* private mode */ }
if (name === 'anonymous') name = ''; // the old default meant "no name"
export const getName = () => name;
export function setName(next: string): void {
  name = next.trim().slice(0, 64);
  try { if (name) localStorage.setItem(NAME_KEY, name); else localStorage.removeItem(NAME_KEY); } catch { /* private mode */ }
}

async function call<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  // every write is JSON with its Content-Type, even an empty one: the server refuses other writes
  const json = body !== undefined || (method !== 'GET' && method !== 'HEAD');
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...(name ? { 'X-Annotator': name } : {}), ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(body ?? {}) : undefined,
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
  /** sets of images (server/image-filters.ts): the review queue, a confusion cell "given:predicted", ids */
  review?: boolean; cell?: string; ids?: string;
  /** segmentation: 1 = has a mask, 0 = none; contains = a class id in the mask or the points */
  mask?: 0 | 1; contains?: number;
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
  /** your mask, else the refined prediction, in class colours (`v` changes when either does) */
  maskThumbUrl: (id: number, v: string | number) => `/api/images/${id}/mask-thumb?v=${encodeURIComponent(String(v))}`,
  /** the mask PNG bytes, or null when the image has none (404 no_mask) */
  mask: async (id: number): Promise<Uint8Array | null> => {
    const res = await fetch(`/api/images/${id}/mask`, { cache: 'no-store' }).catch(() => null);
    if (!res) throw new ApiError(0, 'network', "the server can't be reached");
    if (res.status === 404) return null;
    if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, `mask of image ${id}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  },
  /** `keepalive` lets a save started while the page unloads still reach the server */
  annotate: (id: number, body: AnnotationBody, keepalive = false) =>
    call<{ annotation: Annotation }>('PUT', `/api/images/${id}/annotation`, body, keepalive ? { keepalive: true } : {}),
  unannotate: (id: number) => call<{ annotation: null; previous: Annotation | null }>('DELETE', `/api/images/${id}/annotation`),
  /** `modelVersion`: the version of the prediction on screen; the server answers 409 stale_prediction if it changed */
  acceptPrediction: (id: number, modelVersion: number | undefined) =>
    call<{ annotation: Annotation }>('POST', `/api/images/${id}/accept-prediction`, { modelVersion }),

  next: (q: { strategy?: string; class?: number; after?: number; before?: number; exclude?: number }) =>
    call<{ id: number | null; reason: string; why?: string }>('GET', '/api/next' + qs({ ...q })),
  stats: () => call<Stats>('GET', '/api/stats'),
  strategies: () => call<{ strategies: StrategyInfo[]; defaults?: Partial<Record<Task, Strategy>> }>('GET', '/api/strategies'),
  evaluation: (q: { sort?: string; offset?: number; limit?: number; given?: number; predicted?: number } = {}) => call<EvaluationAnswer>('GET', '/api/evaluation' + qs({ ...q })),
  review: (q: { limit?: number; flagged?: boolean } = {}) => call<ReviewList>('GET', '/api/review' + qs({ ...q })),
  keepLabel: (id: number) => call<{ kept: { id: number; updatedAt: number } }>('POST', `/api/review/${id}/keep`),
  hints: () => call<HintList>('GET', '/api/hints'),
  me: () => call<Me>('GET', '/api/me'),
};
