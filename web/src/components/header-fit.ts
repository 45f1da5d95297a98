// Whether the header's parts fit on one row: the sum of their natural widths (scrollWidth, so a part
// cut with an ellipsis still counts whole) against the header's width. When they do not, the state
// strip (trainer status, backbone, strategy, who you are) takes a second row instead of anything being
// squeezed to nothing. Re-measured when the window, the header or any text in it changes.
export function watchHeaderFit(header: HTMLElement, strip: HTMLElement, setTwoRows: (v: boolean) => void): () => void {
  let frame = 0,
    two = false;
  const measure = () => {
    frame = 0;
    const cs = getComputedStyle(header);
    const gap = parseFloat(cs.columnGap) || 0,
      pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
    const stripGap = parseFloat(getComputedStyle(strip).columnGap) || 0;
    // the session name may shrink (cut, with a tooltip): it counts as drawn
    const width = (el: Element) =>
      el.classList.contains('session-name')
        ? (el as HTMLElement).offsetWidth
        : Math.max((el as HTMLElement).offsetWidth, el.scrollWidth + 2);
    const parts = [...header.children].filter((el) => el !== strip && (el as HTMLElement).offsetParent !== null);
    const inner = [...strip.children].filter((el) => (el as HTMLElement).offsetParent !== null);
    const need =
      pad +
      parts.reduce((s, el) => s + width(el), 0) +
      inner.reduce((s, el) => s + width(el), 0) +
      gap * parts.length +
      stripGap * Math.max(0, inner.length - 1);
    // a margin on the way back to one row, so a width right at the edge does not flip back and forth
    const next = two ? need > header.clientWidth - 16 : need > header.clientWidth;
    if (next !== two) {
      two = next;
      setTwoRows(next);
    }
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(measure);
  };
  const ro = new ResizeObserver(schedule);
  ro.observe(header);
  const mo = new MutationObserver(schedule);
  mo.observe(header, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['class'],
  });
  schedule();
  return () => {
    cancelAnimationFrame(frame);
    ro.disconnect();
    mo.disconnect();
  };
}
