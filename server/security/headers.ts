// Headers on every answer: no framing by any site (X-Frame-Options DENY and CSP frame-ancestors 'none':
// a tokenless loopback app framed by a foreign page could be clickjacked), no MIME sniffing, and a
// Content-Security-Policy that allows the built app what it uses from its own origin: its scripts and
// worker, styles (Solid sets style attributes), images incl. data:/blob: (canvas, the icon), fetch and
// the /ws socket of the Host asked (named explicitly, for browsers where 'self' does not cover ws:).
import type { MiddlewareHandler } from 'hono';
import type { Ctx } from '../context.ts';
import { hostAllowed } from './hosts.ts';

export function policy(host: string | null): string {
  const ws = host ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${ws}`,
    "worker-src 'self' blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(ctx: Ctx): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.req.header('host') ?? '';
    const host = /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(h) && hostAllowed(h, ctx.config.allowHosts) ? h : null;
    c.res.headers.set('X-Frame-Options', 'DENY');
    c.res.headers.set('Content-Security-Policy', policy(host));
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Referrer-Policy', 'same-origin');
  };
}
