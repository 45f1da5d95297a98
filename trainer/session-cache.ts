// The session's feature cache: where it lives (the session folder's own `features/`, a trainer's --cache-root,
// or a per-session folder beside the process for a trainer on another host), one store per backbone and embed
// mode; and the copying of already-embedded images from other sessions' stores of the same key.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ImageRef } from '../common/protocol.ts';
import { shareFeatures } from './feature-share.ts';
import { FeatureCache } from './features.ts';
import type { EmbedMode } from './types.ts';

export interface CachePlace {
  /** the trainer's --cache-root, if any */
  cacheRoot: string | null;
  /** the session folder, when this host can read it */
  sessionDir: string | null;
  sessionName: string;
  /** the backbone's cache key */
  backboneKey: string;
  mode: EmbedMode;
}

/** The cache for this place: `current` when it is already that one, else a new one (`current` closed). */
export function openSessionCache(current: FeatureCache | null, p: CachePlace): FeatureCache {
  // a trainer on another host keeps one cache per session: rows are keyed by image id
  const root =
    p.cacheRoot ??
    (p.sessionDir && existsSync(p.sessionDir)
      ? join(p.sessionDir, 'features')
      : join(process.cwd(), '.hilt-cache', p.sessionName, 'features'));
  const key = `${p.backboneKey}-${p.mode}`;
  const dir = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'));
  if (current?.dir === dir) return current;
  current?.close();
  return new FeatureCache(root, key);
}

/** Whether the cache holds this image's features in the mode (patch grid or pooled vector). */
export function isCached(cache: FeatureCache | null, mode: EmbedMode, i: ImageRef): boolean {
  if (!cache) return false;
  return mode === 'grid' ? cache.hasGrid(i) : cache.hasPooled(i);
}

/** Copies the features of `wanted` images from other sessions' stores of this cache key (same bytes, same
 *  backbone and mode), when the cache is the session folder's own; returns how many were copied. */
export function reuseSharedFeatures(cache: FeatureCache, p: CachePlace, wanted: ImageRef[]): number {
  const dir = p.sessionDir;
  if (!dir || p.cacheRoot || dirname(cache.dir) !== join(dir, 'features') || !wanted.length) return 0;
  return shareFeatures(cache.rows(p.mode === 'grid' ? 'grid' : 'pooled'), dir, basename(cache.dir), wanted).length;
}
