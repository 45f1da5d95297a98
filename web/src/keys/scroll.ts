// Scrolling by keyboard. The pages scroll inside <main> (the header stays put), and dialogs inside
// themselves, so the browser's own PageDown/Space/End/↓ — aimed at the document, or at whatever was
// clicked last — move nothing for someone who never touches the mouse. Keys that no action took
// scroll the top-most open dialog, else the page, else the labelling side panel.

const KEYS = new Set(['PageDown', 'PageUp', 'Home', 'End', 'ArrowDown', 'ArrowUp', ' ']);
const LINE = 48;

function scrollable(el: Element | null | undefined): boolean {
  return !!el && el.scrollHeight > el.clientHeight + 1 && getComputedStyle(el).overflowY !== 'hidden';
}

/** The element a scroll key moves: the top-most dialog's scroll box, else <main>, else the side panel. */
export function scrollTarget(doc: Document = document): HTMLElement | null {
  const top = [...doc.querySelectorAll<HTMLElement>('[role=dialog], [role=alertdialog]')].at(-1);
  if (top) return scrollable(top) ? top : ([...top.querySelectorAll<HTMLElement>('*')].find(scrollable) ?? null);
  const main = doc.querySelector<HTMLElement>('main');
  if (scrollable(main)) return main;
  return [...(main?.querySelectorAll<HTMLElement>('.side') ?? [])].find(scrollable) ?? null;
}

/** Scroll for a key nobody else handled; returns whether it did. */
export function scrollByKey(e: KeyboardEvent): boolean {
  if (!KEYS.has(e.key) || e.ctrlKey || e.metaKey || e.altKey) return false;
  if (e.shiftKey && e.key !== ' ') return false;
  const el = scrollTarget();
  // Space + drag pans the segmentation canvas: Space never scrolls the panel beside it
  if (!el || (e.key === ' ' && el.classList.contains('side'))) return false;
  const page = Math.max(LINE, el.clientHeight - LINE);
  const by: Record<string, number> = {
    PageDown: page,
    PageUp: -page,
    ArrowDown: LINE,
    ArrowUp: -LINE,
    ' ': e.shiftKey ? -page : page,
  };
  if (e.key === 'Home') el.scrollTop = 0;
  else if (e.key === 'End') el.scrollTop = el.scrollHeight;
  else el.scrollTop += by[e.key];
  e.preventDefault();
  return true;
}
