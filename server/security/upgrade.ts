// The socket upgrade gets the same checks as a request (P9): Host allow-list and Origin (always: a
// browser sends it on every WebSocket, and a foreign page must not open one as a trainer or a browser),
// and the credential a browser brings along (the sign-in cookie), a bearer header or `?token=`.
import type { IncomingMessage } from 'node:http';
import type { Ctx } from '../context.ts';
import { bearer, cookieFrom, cookieName, credentialOf, type Credential } from './auth.ts';
import { hostOriginProblem } from './guard.ts';

export interface UpgradeCheck { problem: string | null; cred: Credential | null }

export function checkUpgrade(ctx: Ctx, req: IncomingMessage, url: URL): UpgradeCheck {
  const h = req.headers;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const problem = hostOriginProblem(ctx, { host: one(h.host), origin: one(h.origin), secFetchSite: one(h['sec-fetch-site']) }, true);
  const token = bearer(one(h.authorization)) ?? cookieFrom(one(h.cookie), cookieName(ctx.config)) ?? url.searchParams.get('token');
  return { problem: problem?.message ?? null, cred: credentialOf(ctx.config, token) };
}
