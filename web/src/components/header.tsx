// Always visible: session, image id (click or g to jump), progress, trainer status, strategy, who you
// are, pages. When they do not fit on one row, the state strip takes a second one (header-fit.ts).
import { Show, createSignal, onCleanup, onMount } from 'solid-js';
import { isVal } from '../../../common/split.ts';
import { useApp } from '../context.ts';
import { webTask } from '../tasks/index.ts';
import { backboneChip, fmt, trainerText } from '../lib/format.ts';
import { JumpBox } from './jump-box.tsx';
import { NameChip } from './name-box.tsx';
import { watchHeaderFit } from './header-fit.ts';

export function Header() {
  const { session, ui, keys, router, strategy } = useApp();
  const info = () => session.info();
  const trainer = () => trainerText(session.trainer());
  const note = () => (session.trainer().online && session.trainer().status?.backboneNote) || '';
  const chip = () => backboneChip(session.trainer());
  const counts = () => info()?.counts;
  const done = () => (counts() ? counts()!.labelled + counts()!.skipped : 0);
  const link = (href: string, label: string, action: string) => (
    <a href={href} classList={{ active: router.path() === href }} title={`${label} (${keys.hint(action)})`}>
      {label}
    </a>
  );
  const [twoRows, setTwoRows] = createSignal(false);
  let header!: HTMLElement, strip!: HTMLDivElement;
  onMount(() => onCleanup(watchHeaderFit(header, strip, setTwoRows)));
  return (
    <header ref={header} class="header" classList={{ 'two-rows': twoRows() }} data-testid="header">
      <a href="/" class="brand" title={`Home (${keys.hint('global.goHome')})`}>
        hilt
      </a>
      <a
        href="/projects"
        class="muted session-name"
        title={`session ${info()?.name ?? ''}: every session (${keys.hint('global.goProjects')})`}
        data-testid="session-name"
      >
        {info()?.name}
      </a>
      <div class="header-id">
        <Show
          when={ui.jump()}
          fallback={
            <button
              class="id-button"
              data-testid="image-id"
              title={`Jump to an image id (${keys.hint('global.jump')})`}
              onClick={() => ui.setJump(true)}
            >
              {ui.imageId() !== null ? `#${ui.imageId()}` : '#—'}
            </button>
          }
        >
          <JumpBox onClose={() => ui.setJump(false)} />
        </Show>
        <Show when={ui.position()}>
          <span class="muted small">
            {fmt(ui.position()!.index + 1)} / {fmt(ui.position()!.total)}
          </span>
        </Show>
        {/* an image on the validation side of the persistent split: what its label does depends on the task */}
        <Show when={ui.imageId() !== null && isVal(ui.imageId()!)}>
          <span
            class="val-chip"
            data-testid="val-side"
            title={`A validation image (about 1 in 5, fixed by its id): ${webTask(info()?.task)?.evaluation.valSide ?? 'its label scores the model on the Evaluation page'}`}
          >
            val
          </span>
        </Show>
      </div>
      <div
        class="progress"
        title={`${fmt(counts()?.labelled ?? 0)} labelled, ${fmt(counts()?.skipped ?? 0)} skipped, ${fmt(counts()?.unlabelled ?? 0)} to do`}
        data-testid="progress"
      >
        <span>
          {fmt(counts()?.labelled ?? 0)} / {fmt(counts()?.images ?? 0)} labelled
        </span>
        <div class="bar">
          <div style={{ width: `${counts()?.images ? (100 * done()) / counts()!.images : 0}%` }} />
        </div>
      </div>
      <div ref={strip} class="header-state" data-testid="header-state">
        <div class={`trainer tone-${trainer().tone}`} data-testid="trainer-status" title={trainer().text}>
          <span class="dot" />
          <span>{trainer().text}</span>
        </div>
        {/* which backbone runs, in a few words; the whole note is its tooltip */}
        <Show when={chip()}>
          <span class="backbone-chip" data-testid="backbone" title={note()}>
            {chip()}
          </span>
        </Show>
        <div
          class="strategy-chip muted"
          title={`Next-image strategy: ${strategy.text()} (${keys.hint('global.strategyNext')} cycles)`}
          data-testid="strategy"
        >
          next: <b>{strategy.text()}</b>
        </div>
        <NameChip />
      </div>
      <nav class="nav">
        <Show when={info()?.task}>{link(`/${info()!.task}`, 'Label', 'global.goLabel')}</Show>
        {link('/browse', 'Browse', 'global.goBrowse')}
        {link('/stats', 'Stats', 'global.goStats')}
        {link('/evaluation', 'Evaluation', 'global.goEval')}
        {link('/settings', 'Settings', 'global.goSettings')}
        <button class="ghost" title="Classes (c)" onClick={() => ui.setClasses(true)}>
          Classes
        </button>
        <button
          class="ghost key-help"
          title={`All keys (${keys.hint('global.help')})`}
          onClick={() => ui.setHelp(true)}
        >
          ?
        </button>
      </nav>
    </header>
  );
}

/** The projects page's header: no session is open there, so only who you are and the keys. */
export function ProjectsHeader() {
  const { keys, ui } = useApp();
  return (
    <header class="header" data-testid="header">
      <a href="/projects" class="brand" title={`Projects (${keys.hint('global.goProjects')})`}>
        hilt
      </a>
      <span class="muted session-name">projects</span>
      <div class="header-state">
        <NameChip />
      </div>
      <nav class="nav">
        <button
          class="ghost key-help"
          title={`All keys (${keys.hint('global.help')})`}
          onClick={() => ui.setHelp(true)}
        >
          ?
        </button>
      </nav>
    </header>
  );
}
