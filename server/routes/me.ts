// GET /api/me: who the server takes this browser for (the header shows it). The name is the browser's
// X-Annotator; the id is a short tag of its cookie (or the token's annotator); the cookie keeps claims apart.
import { Hono } from 'hono';
import { annotatorOf } from '../identity.ts';

export function meRoutes() {
  return new Hono().get('/', (c) => {
    const { id, name, annotator, authenticated } = annotatorOf(c);
    // the cookie itself stays HttpOnly: pages get its first characters, enough to tell browsers apart
    return c.json({ id: authenticated ? id : id.slice(0, 6), name, annotator, authenticated });
  });
}
