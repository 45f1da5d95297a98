// The session as the header and pages see it: name, task lock, counts, classes, trainer, strategies.
// Kept fresh by socket frames (trainer, classes, annotation, session, suggestions).
import { createSignal, type Accessor } from 'solid-js';
import { api } from '../api.ts';
import type { Socket } from '../socket.ts';
import type { Class, Task } from '../types.ts';
import type { SessionInfo, TrainerInfo } from '../api-types.ts';

export interface SessionStore {
  info: Accessor<SessionInfo | null>;
  error: Accessor<string | null>;
  classes: Accessor<Class[]>;
  trainer: Accessor<TrainerInfo>;
  refresh(): Promise<void>;
  setTask(task: Task): Promise<void>;
  /** bumps whenever the session was reset or classes were deleted: caches must be dropped */
  epoch: Accessor<number>;
  /** bumps on a session reset only: unsaved local work belongs to the archived session */
  resets: Accessor<number>;
}

export function createSessionStore(socket: Socket): SessionStore {
  const [info, setInfo] = createSignal<SessionInfo | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [epoch, setEpoch] = createSignal(0);
  const [resets, setResets] = createSignal(0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // one trainer state, written by whichever came last: a `trainer` frame or a session refetch (a reset
  // drops the archived session's model, and the refetch says so even if no frame follows)
  const [trainerState, setTrainerState] = createSignal<TrainerInfo>({ online: false, status: null });
  let frames = 0;

  async function refresh() {
    try {
      const seen = frames;
      const next = await api.session();
      setInfo(next);
      if (frames === seen) setTrainerState(next.trainer); // a frame that arrived meanwhile is newer
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 120);
  };

  socket.on('trainer', (m) => {
    frames++;
    setTrainerState({ online: m.online, status: m.status });
    setInfo((s) => (s ? { ...s, trainer: { online: m.online, status: m.status } } : s));
  });
  socket.on('classes', (m) => setInfo((s) => (s ? { ...s, classes: m.classes } : s)));
  socket.on('suggestions', (m) => setInfo((s) => (s ? { ...s, strategies: m.strategies } : s)));
  socket.on('annotation', soon);
  socket.on('session', (m) => {
    // a reset or a class deletion invalidates annotations and predictions everywhere
    if (m.reason !== 'task') setEpoch((n) => n + 1);
    if (m.reason === 'reset') setResets((n) => n + 1);
    void refresh();
  });
  socket.onReconnect(() => {
    setEpoch((n) => n + 1);
    void refresh();
  });

  return {
    info,
    error,
    epoch,
    resets,
    classes: () => info()?.classes ?? [],
    // while our own socket is down nothing says the trainer is still there
    trainer: () => {
      const t = trainerState();
      return socket.online() ? t : { online: false, status: t.status };
    },
    refresh,
    async setTask(task) {
      await api.setTask(task);
      await refresh();
    },
  };
}
