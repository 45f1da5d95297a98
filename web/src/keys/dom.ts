// DOM predicates for the key dispatcher and for keeping focus out of controls.

const TEXT_INPUTS = new Set([
  'text',
  'search',
  'email',
  'url',
  'tel',
  'password',
  'number',
  'date',
  'time',
  'datetime-local',
  'month',
  'week',
]);

/** True while the user is typing: keys belong to the field, not to the app. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA') return true;
  if (el.tagName === 'INPUT') return TEXT_INPUTS.has((el as HTMLInputElement).type);
  return false;
}

/** Enter/Space on these activate them: leave those keys to the element. */
export function isActivatable(el: Element | null): boolean {
  if (!el || el === document.body) return false;
  return el.matches(
    'button, a[href], summary, select, [role="button"], input[type="checkbox"], input[type="radio"], input[type="color"]',
  );
}

/**
 * Buttons, selects, sliders and checkboxes give focus back after use, so the next key press goes to
 * the app instead of re-pressing the button or moving the slider.
 */
export function installFocusRelease(): void {
  const release = (e: Event) => {
    const el = (e.target as Element | null)?.closest?.(
      'button, a, summary, select, input[type="range"], input[type="checkbox"], input[type="radio"], input[type="color"]',
    ) as HTMLElement | null;
    if (el && !isTyping(el))
      setTimeout(() => {
        if (document.activeElement === el) el.blur();
      }, 0);
  };
  document.addEventListener('click', release, true);
  document.addEventListener('change', release, true);
  document.addEventListener(
    'pointerup',
    (e) => {
      const el = (e.target as Element | null)?.closest?.('input[type="range"]') as HTMLElement | null;
      if (el) setTimeout(() => el.blur(), 0);
    },
    true,
  );
}
