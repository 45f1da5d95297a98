// Settings: remap keys (stored in this browser) and reset the session (typed confirmation).
import { KeyRemap } from '../components/key-remap.tsx';
import { SessionReset } from '../components/session-reset.tsx';

export function SettingsPage() {
  return (
    <div class="page settings">
      <SessionReset />
      <KeyRemap />
    </div>
  );
}
