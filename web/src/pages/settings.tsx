// Settings: remap keys (stored in this browser) and reset the session (typed confirmation).
import { KeyRemap } from '../components/key-remap.tsx';
import { SessionReset } from '../components/session-reset.tsx';
import { AnnotatorName } from '../components/annotator-name.tsx';

export function SettingsPage() {
  return (
    <div class="page settings">
      <AnnotatorName />
      <SessionReset />
      <KeyRemap />
    </div>
  );
}
