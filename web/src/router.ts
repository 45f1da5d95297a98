// A tiny router on window.history: the path and query as signals, navigate(), and <a> interception
// so plain links work without reloads. Routes: / /classification /segmentation /browse /stats /evaluation /settings,
// and /projects (the sessions list). On a named session's page (`/s/NAME/…`) paths are inside that prefix:
// `path()` leaves it out and `navigate()` puts it back, so pages link as if they were the only session.
import { createSignal, type Accessor } from 'solid-js';
import { pageBase } from './session-base.ts';

const inside = (p: string) =>
  pageBase && (p === pageBase || p.startsWith(pageBase + '/')) ? p.slice(pageBase.length) : p;
const outside = (to: string) => (pageBase && to.startsWith('/') && !to.startsWith(pageBase + '/') ? pageBase + to : to);

export interface Router {
  path: Accessor<string>;
  query: Accessor<URLSearchParams>;
  navigate(to: string, opts?: { replace?: boolean }): void;
}

export function createRouter(): Router {
  const [loc, setLoc] = createSignal({ path: location.pathname, search: location.search });
  const sync = () => setLoc({ path: location.pathname, search: location.search });
  window.addEventListener('popstate', sync);
  // same-origin links navigate in place; modifier-clicks still open new tabs
  // a link opened another way (middle or modifier click, "open in new tab", copy link) takes the URL as written:
  // just before any of those, an in-app link of a named session's page gets that session's prefix
  const prefixLink = (e: Event) => {
    const a = (e.target as Element | null)?.closest?.('a');
    if (!pageBase || !a || a.origin !== location.origin) return;
    const p = a.pathname;
    if (p.startsWith('/api/') || p.startsWith('/s/') || p.startsWith('/projects')) return;
    a.setAttribute('href', outside(p) + a.search + a.hash);
  };
  for (const ev of ['mousedown', 'focusin', 'contextmenu', 'touchstart'])
    document.addEventListener(ev, prefixLink, { capture: true, passive: true });
  document.addEventListener('click', (e) => {
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (a.target || a.hasAttribute('download') || a.origin !== location.origin || a.pathname.startsWith('/api/'))
      return;
    e.preventDefault();
    navigate(inside(a.pathname) + a.search);
    a.blur();
  });
  function navigate(to: string, opts: { replace?: boolean } = {}) {
    // another session's page, or the projects page from a session's: a page load (one tab, one session)
    if (/^\/s\//.test(to) || (pageBase && to.startsWith('/projects'))) {
      location.assign(to);
      return;
    }
    to = outside(to);
    if (to === location.pathname + location.search) return;
    if (opts.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    sync();
  }
  return {
    path: () => inside(loc().path).replace(/\/+$/, '') || '/',
    query: () => new URLSearchParams(loc().search),
    navigate,
  };
}
