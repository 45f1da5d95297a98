// Browser sign-ins: a successful sign-in gets a random id (192 bits) in its cookie, kept here with the
// token it was made from, so the cookie is not the token. Each use re-checks that token (a revoked or
// replaced annotator token ends every sign-in made with it); sign-out forgets the id. Kept in memory:
// a restarted server asks browsers to sign in again. Bounded: past `max` ids the oldest go first.
import { randomBytes } from 'node:crypto';

export function signinStore(max = 10_000, ttlMs = 30 * 24 * 3600_000) {
  const byId = new Map<string, { token: string; at: number }>();
  return {
    create(token: string): string {
      const id = randomBytes(24).toString('base64url');
      byId.set(id, { token, at: Date.now() });
      while (byId.size > max) byId.delete(byId.keys().next().value!);
      return id;
    },
    /** the token an id was made from; null when unknown, signed out or expired */
    token(id: string | null | undefined): string | null {
      if (!id) return null;
      const s = byId.get(id);
      if (!s) return null;
      if (Date.now() - s.at > ttlMs) {
        byId.delete(id);
        return null;
      }
      return s.token;
    },
    forget(id: string | null | undefined): void {
      if (id) byId.delete(id);
    },
    get size() {
      return byId.size;
    },
  };
}
export type SigninStore = ReturnType<typeof signinStore>;
