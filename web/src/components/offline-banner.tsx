// Says when the live connection is down; the socket reconnects by itself.
import { Show, createSignal, onCleanup, onMount } from 'solid-js';
import { useApp } from '../context.ts';

export function OfflineBanner() {
  const { socket } = useApp();
  // give the first connection a moment before crying wolf
  const [grace, setGrace] = createSignal(true);
  onMount(() => {
    const t = setTimeout(() => setGrace(false), 1500);
    onCleanup(() => clearTimeout(t));
  });
  return (
    <Show when={!socket.online() && !grace()}>
      <div class="offline" role="status" data-testid="offline-banner">
        Offline — the live connection to the server is down{socket.problem() ? ` (${socket.problem()})` : ''}.
        Reconnecting by itself…
      </div>
    </Show>
  );
}
