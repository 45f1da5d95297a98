// Request helpers shared by the routes (their own module: routes import it, app.ts imports the routes).
import { AppError } from './errors.ts';

/** Parse a JSON body with a clear 400 on bad JSON. */
export async function jsonBody<T = Record<string, unknown>>(c: { req: { json(): Promise<unknown> } }): Promise<T> {
  let body: unknown;
  try { body = await c.req.json(); } catch { throw new AppError(400, 'invalid_json', 'request body is not valid JSON'); }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AppError(400, 'invalid_body', 'request body must be a JSON object');
  return body as T;
}

export function intParam(v: string | undefined, name: string): number {
  if (v === undefined || !/^\d{1,12}$/.test(v)) throw new AppError(400, 'invalid_param', `${name} must be a non-negative integer`);
  return Number(v);
}
