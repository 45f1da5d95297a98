// A review list as the frames that carry it: every flagged item, then unflagged ones up to
// MAX_REVIEW_ITEMS in all, in rank order, at most MAX_FRAME_ITEMS per frame (the server refuses bigger
// frames and assembles the parts: server/review-parts.ts). A list with no items is one frame.
import type { ReviewItem, ReviewMsg } from '../../common/protocol.ts';
import { MAX_FRAME_ITEMS, MAX_REVIEW_FLAGGED, MAX_REVIEW_ITEMS } from '../../common/protocol.ts';

export type ReviewHead = Omit<ReviewMsg, 'type' | 'items' | 'part' | 'parts'>;

/** the items a list keeps, in their order: flagged first come as ranked, the rest fill up to the cap */
export function keptItems(ranked: ReviewItem[]): ReviewItem[] {
  const flagged = ranked.filter((i) => i.flagged).slice(0, MAX_REVIEW_FLAGGED);
  let room = Math.max(0, MAX_REVIEW_ITEMS - flagged.length);
  const keep = new Set(flagged);
  return ranked.filter((i) => keep.has(i) || (!i.flagged && room-- > 0));
}

export function reviewFrames(head: ReviewHead, ranked: ReviewItem[], per = MAX_FRAME_ITEMS): ReviewMsg[] {
  const items = keptItems(ranked);
  const parts = Math.max(1, Math.ceil(items.length / per));
  return Array.from({ length: parts }, (_, part) => ({
    type: 'review' as const,
    ...head,
    part,
    parts,
    items: items.slice(part * per, (part + 1) * per),
  }));
}
