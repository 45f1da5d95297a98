// The projects page: every session under the server's sessions folder with its task, backbone, counts, model
// and trainer; j/k or the arrows move, Enter opens (a page of its own: one tab, one session), a adds a
// session (name, task or "decide on first use", an optional import with progress), r renames, Shift+R resets.
import { For, Show, createSignal, onCleanup, onMount } from 'solid-js';
import { useApp } from '../context.ts';
import { ApiError, sessionsApi } from '../api.ts';
import { createSocket, sessionSocketUrl } from '../socket.ts';
import { sessionPage } from '../session-base.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { fmt, pct } from '../lib/format.ts';
import { WEB_TASK_LIST } from '../tasks/index.ts';
import type { Task } from '../types.ts';

type List = Awaited<ReturnType<typeof sessionsApi.list>>;
type Row = List['sessions'][number];

function ago(iso: string | null): string {
  if (!iso) return '—';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const byWhom = (r: Row) =>
  Object.entries(r.byAnnotator)
    .sort((a, b) => b[1] - a[1])
    .map(([who, n]) => `${who} ${fmt(n)}`)
    .join(', ');

export function ProjectsPage() {
  const { keys, router, ui } = useApp();
  const [list, setList] = createSignal<List | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [sel, setSel] = createSignal(0);
  const [mode, setMode] = createSignal<'none' | 'create' | 'rename' | 'reset'>('none');
  const [busy, setBusy] = createSignal<string | null>(null);
  const rows = () => list()?.sessions ?? [];
  const current = () => rows()[Math.min(sel(), rows().length - 1)] as Row | undefined;

  const refresh = async (select?: string) => {
    try {
      const l = await sessionsApi.list();
      setList(l);
      setError(null);
      if (select)
        setSel(
          Math.max(
            0,
            l.sessions.findIndex((s) => s.name === select),
          ),
        );
    } catch (e) {
      setError((e as Error).message);
    }
  };
  onMount(() => {
    void refresh();
    const t = setInterval(() => {
      if (mode() === 'none' && !busy()) void refresh();
    }, 5000);
    onCleanup(() => clearInterval(t));
  });

  const open = (r: Row | undefined) => {
    if (r) router.navigate(sessionPage(r.name));
  };
  keys.use(
    'projects',
    {
      down: () => setSel((i) => Math.min(rows().length - 1, i + 1)),
      up: () => setSel((i) => Math.max(0, i - 1)),
      open: () => open(current()),
      create: () => setMode('create'),
      rename: () => current() && setMode('rename'),
      reset: () => current() && setMode('reset'),
    },
    () => setMode('none'),
  );

  const fail = (e: unknown) => ui.notify(e instanceof ApiError ? e.message : String(e), 'error');

  async function create(name: string, task: Task | null, path: string) {
    setBusy(`creating ${name}…`);
    try {
      await sessionsApi.create(name, task);
      setMode('none');
      await refresh(name);
      if (path) {
        // the import's progress comes over the new session's socket
        const socket = createSocket(sessionSocketUrl(name));
        const off = socket.on('import', (m) =>
          setBusy(
            m.phase === 'scan'
              ? `importing into ${name}: found ${fmt(m.done)} files…`
              : `importing into ${name}: ${fmt(m.done)} of ${fmt(m.total)}…`,
          ),
        );
        setBusy(`importing into ${name}…`);
        try {
          const r = await sessionsApi.importInto(name, path);
          ui.notify(`${name}: ${fmt(r.added)} images imported`);
        } finally {
          off();
          socket.close();
        }
        await refresh(name);
      }
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }

  async function rename(from: string, to: string) {
    try {
      await sessionsApi.rename(from, to);
      setMode('none');
      await refresh(to);
    } catch (e) {
      fail(e);
    }
  }

  async function reset(name: string) {
    setMode('none');
    try {
      const r = await sessionsApi.reset(name);
      ui.notify(`${name} reset: the old one is kept as ${r.archivedAs}`);
      await refresh(name);
    } catch (e) {
      fail(e);
    }
  }

  return (
    <div class="projects" data-testid="projects">
      <h1>Sessions</h1>
      <p class="muted small">
        <kbd>{keys.hint('projects.down')}</kbd>/<kbd>{keys.hint('projects.up')}</kbd> move · <kbd>Enter</kbd> open ·{' '}
        <kbd>{keys.hint('projects.create')}</kbd> add · <kbd>{keys.hint('projects.rename')}</kbd> rename ·{' '}
        <kbd>{keys.hint('projects.reset')}</kbd> reset
      </p>
      <Show when={error()}>
        <p class="error">Can't list the sessions: {error()}</p>
      </Show>
      <Show when={busy()}>
        <p class="projects-busy" data-testid="projects-busy">
          {busy()}
        </p>
      </Show>
      <table class="projects-table">
        <thead>
          <tr>
            <th>session</th>
            <th>task</th>
            <th>backbone</th>
            <th>images</th>
            <th>labelled (by whom)</th>
            <th>model</th>
            <th>last activity</th>
            <th>trainer</th>
          </tr>
        </thead>
        <tbody>
          <For each={rows()}>
            {(r, i) => (
              <tr
                classList={{ selected: i() === sel() }}
                data-testid="project-row"
                data-name={r.name}
                onClick={() => setSel(i())}
                onDblClick={() => open(r)}
              >
                <td>
                  <a href={sessionPage(r.name)}>{r.name}</a>
                  <Show when={r.name === list()?.default}>
                    <span class="muted small"> (default)</span>
                  </Show>
                </td>
                <td>{r.task ?? <span class="muted">on first use</span>}</td>
                <td>{r.backbone ?? '—'}</td>
                <td>{fmt(r.images)}</td>
                <td>
                  {fmt(r.labelled)}
                  <Show when={byWhom(r)}>
                    <span class="muted small"> ({byWhom(r)})</span>
                  </Show>
                </td>
                <td>{r.modelVersion ? `v${r.modelVersion} · ${pct(r.accuracy)}` : '—'}</td>
                <td>{ago(r.lastActivity)}</td>
                <td data-testid="project-trainer">{r.trainer}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <Show when={list() && !rows().length}>
        <p class="muted">
          No session yet: press <kbd>{keys.hint('projects.create')}</kbd> to add one.
        </p>
      </Show>
      <div class="row">
        <button onClick={() => setMode('create')} data-testid="project-add">
          Add a session <kbd>{keys.hint('projects.create')}</kbd>
        </button>
      </div>
      <Show when={mode() === 'create'}>
        <CreateForm onCancel={() => setMode('none')} onCreate={create} />
      </Show>
      <Show when={mode() === 'rename' && current()}>
        <RenameForm from={current()!.name} onCancel={() => setMode('none')} onRename={rename} />
      </Show>
      <Show when={mode() === 'reset' && current()}>
        <ConfirmDialog
          title={`Reset ${current()!.name}?`}
          confirm="Reset"
          danger
          onConfirm={() => reset(current()!.name)}
          onCancel={() => setMode('none')}
        >
          <p>
            The session starts again with the same images, no labels and no task. Nothing is deleted: its folder is
            renamed to {current()!.name}.&lt;time&gt;.
          </p>
        </ConfirmDialog>
      </Show>
    </div>
  );
}

function CreateForm(props: {
  onCancel: () => void;
  onCreate: (name: string, task: Task | null, path: string) => void;
}) {
  let input!: HTMLInputElement;
  const [name, setName] = createSignal('');
  const [task, setTask] = createSignal<string>('');
  const [path, setPath] = createSignal('');
  onMount(() => input.focus());
  return (
    <form
      class="modal projects-form"
      data-testid="project-create"
      onSubmit={(e) => {
        e.preventDefault();
        props.onCreate(name().trim(), (task() || null) as Task | null, path().trim());
      }}
      onKeyDown={(e) => {
        // the form has the keyboard: the page's keys (c, j, k, arrows…) do not act behind it
        e.stopPropagation();
        if (e.key === 'Escape') props.onCancel();
      }}
    >
      <h2>Add a session</h2>
      <label>
        name{' '}
        <input
          ref={input}
          name="name"
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
          placeholder="letters, digits, _ and -"
          pattern="[A-Za-z0-9][A-Za-z0-9_\-]{0,63}"
          required
        />
      </label>
      <label>
        task{' '}
        <select name="task" value={task()} onChange={(e) => setTask(e.currentTarget.value)}>
          <option value="">decide on first use</option>
          <For each={WEB_TASK_LIST}>{(t) => <option value={t.name}>{t.title}</option>}</For>
        </select>
      </label>
      <label>
        import from (optional){' '}
        <input
          name="path"
          value={path()}
          onInput={(e) => setPath(e.currentTarget.value)}
          placeholder="a folder, CSV or COCO JSON under an import root"
        />
      </label>
      <div class="row end">
        <button type="button" onClick={() => props.onCancel()}>
          Cancel <kbd>Esc</kbd>
        </button>
        <button type="submit" class="primary">
          Add <kbd>Enter</kbd>
        </button>
      </div>
    </form>
  );
}

function RenameForm(props: { from: string; onCancel: () => void; onRename: (from: string, to: string) => void }) {
  let input!: HTMLInputElement;
  const [to, setTo] = createSignal(props.from);
  onMount(() => {
    input.focus();
    input.select();
  });
  return (
    <form
      class="modal projects-form"
      data-testid="project-rename"
      onSubmit={(e) => {
        e.preventDefault();
        props.onRename(props.from, to().trim());
      }}
      onKeyDown={(e) => {
        // the form has the keyboard: the page's keys (c, j, k, arrows…) do not act behind it
        e.stopPropagation();
        if (e.key === 'Escape') props.onCancel();
      }}
    >
      <h2>Rename {props.from}</h2>
      <input ref={input} name="to" value={to()} onInput={(e) => setTo(e.currentTarget.value)} required />
      <div class="row end">
        <button type="button" onClick={() => props.onCancel()}>
          Cancel <kbd>Esc</kbd>
        </button>
        <button type="submit" class="primary">
          Rename <kbd>Enter</kbd>
        </button>
      </div>
    </form>
  );
}
