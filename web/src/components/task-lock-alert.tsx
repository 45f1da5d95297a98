// Shown on the other task's URL: the session is locked to one task until it is reset.
import { useApp } from '../context.ts';
import type { Task } from '../types.ts';

export function TaskLockAlert(props: { current: Task }) {
  const { router, keys } = useApp();
  keys.use('home', { open: () => router.navigate(`/${props.current}`) });
  return (
    <div class="center-note">
      <div class="alert" role="alert" data-testid="task-lock">
        <p>The current task is {props.current}. You can't change tasks; to do another task, reset the session.</p>
        <div class="row">
          <button class="primary" onClick={() => router.navigate(`/${props.current}`)}>
            Go to {props.current} <kbd>Enter</kbd>
          </button>
          <a href="/settings" class="muted">
            Reset the session in settings
          </a>
        </div>
      </div>
    </div>
  );
}
