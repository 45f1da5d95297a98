// Request validation for the routes (@hono/zod-validator): the schemas type the handlers and, through
// AppType, the browser's client; a failed check throws AppError, so app.onError answers with the same
// {"error":{"code","message"}} as every other 4xx. Codes: invalid_param (path and query), invalid_json (not
// JSON), invalid_body (JSON but not an object), else the code the route names per field.
import { zValidator } from '@hono/zod-validator';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { AppError } from './errors.ts';

/** error code per body field ('*': any other field or the body as a whole) */
export type Codes = Record<string, string>;

const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

function fail(
  error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] },
  codes: Codes,
  fallback: string,
): never {
  const issue = error.issues[0];
  const field = issue?.path[0];
  throw new AppError(
    400,
    (field !== undefined && codes[String(field)]) || codes['*'] || fallback,
    issue?.message ?? 'invalid request',
  );
}

function hook(codes: Codes, fallback: string) {
  return (r: { success: boolean; error?: unknown; data: unknown; target: string }) => {
    if (r.success) return;
    if (r.target === 'json' && !isObject(r.data))
      throw new AppError(400, 'invalid_body', 'request body must be a JSON object');
    fail(r.error as z.ZodError, codes, fallback);
  };
}

/** A path or query value that is a non-negative integer (an id, an offset…), as a number. */
export const uint = (name: string) =>
  z
    .string()
    .regex(/^\d{1,12}$/, { error: `${name} must be a non-negative integer` })
    .transform(Number);

/** A query value as a string: of a repeated key, the first (as c.req.query() reads it). */
export const qstr = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v[0] : v));
/** An optional query value that is a non-negative integer. */
export const quint = (name: string) => qstr.pipe(uint(name)).optional();

export const param = <S extends z.ZodType>(schema: S) => zValidator('param', schema, hook({}, 'invalid_param'));
export const query = <S extends z.ZodType>(schema: S, codes: Codes = {}) =>
  zValidator('query', schema, hook(codes, 'invalid_param'));
/** `/:id` with id a non-negative integer */
export const idParam = param(z.object({ id: uint('id') }));

/** A JSON object body. The body is read first so that anything that is not JSON — an empty body too —
 *  is invalid_json whatever its Content-Type (security/guard.ts' jsonOnly refused non-JSON types already). */
export function json<S extends z.ZodType>(schema: S, codes: Codes = {}) {
  const inner = zValidator('json', schema, hook(codes, 'invalid_body'));
  const outer: typeof inner = async (c, next) => {
    try {
      await c.req.json();
    } catch {
      throw new AppError(400, 'invalid_json', 'request body is not valid JSON');
    }
    return inner(c, next);
  };
  return outer;
}

/** An optional JSON body: empty is `undefined`; something that is not an object counts as `{}`. */
export function optionalJson<S extends z.ZodType>(
  schema: S,
  codes: Codes = {},
): MiddlewareHandler<any, string, { in: { json: z.input<S> }; out: { json: z.output<S> | undefined } }> {
  return async (c, next) => {
    const text = (await c.req.text()).trim();
    let value: z.output<S> | undefined;
    if (text) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new AppError(400, 'invalid_json', 'request body is not valid JSON');
      }
      const r = schema.safeParse(isObject(body) ? body : {});
      if (!r.success) fail(r.error, codes, 'invalid_body');
      value = r.data;
    }
    c.req.addValidatedData('json', value as never);
    await next();
  };
}
