// Who this browser labels as: the server's answer to GET /api/me (a per-browser id, or a token's
// annotator), and the display name chosen here. The header shows it; `Shift+A` or Settings change the name.
import { createSignal } from 'solid-js';
import { api, getName, setName as storeName } from '../api.ts';
import type { Me } from '../api-types.ts';

export function createIdentity() {
  const [me, setMe] = createSignal<Me | null>(null);
  const [editing, setEditing] = createSignal(false);
  const refresh = () =>
    api.me().then(setMe, () => {
      /* the header keeps the last answer */
    });
  void refresh();
  return {
    me,
    /** the name stored in this browser ('' = none: the server calls us guest-<id>) */
    name: getName,
    /** the inline name box in the header is open */
    editing,
    setEditing,
    async setName(name: string): Promise<Me | null> {
      storeName(name);
      await refresh();
      return me();
    },
  };
}
export type Identity = ReturnType<typeof createIdentity>;
