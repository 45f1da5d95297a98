// Which session this page labels: `/s/NAME/…` names one; any other path is the server's default session
// (the single-session URLs keep working). One tab is one session: opening another session loads its page.

const m = /^\/s\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})(?=\/|$)/.exec(location.pathname);

/** the session named in the page's URL, or null for the server's default session */
export const pageSession: string | null = m ? m[1] : null;

/** the URL prefix of this session's pages ('' for the default session) */
export const pageBase: string = m ? m[0] : '';

/** the page URL of a session (its home, or `path` in it) */
export const sessionPage = (name: string, path = '/') => `/s/${encodeURIComponent(name)}${path}`;

/** An /api/… path of the single-session API, addressed to this page's session. */
export function sessionApi(path: string): string {
  if (!pageSession || !path.startsWith('/api/')) return path;
  return `/api/sessions/${encodeURIComponent(pageSession)}/${path.slice('/api/'.length)}`;
}
