// The shell: header, offline banner, routes with the task lock, and the global keys.
import { Match, Show, Switch, createEffect, createSignal, onMount } from 'solid-js';
import { useApp } from './context.ts';
import { Header, ProjectsHeader } from './components/header.tsx';
import { OfflineBanner } from './components/offline-banner.tsx';
import { KeysOverlay } from './components/keys-overlay.tsx';
import { ClassesPanel } from './components/classes-panel.tsx';
import { TaskRoute } from './components/task-route.tsx';
import { Toasts } from './components/toasts.tsx';
import { HomePage } from './pages/home.tsx';
import { BrowsePage } from './pages/browse.tsx';
import { StatsPage } from './pages/stats.tsx';
import { EvaluationPage } from './pages/evaluation.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { ClassPrompt } from './components/class-prompt.tsx';
import { WEB_TASK_LIST } from './tasks/index.ts';
import { ProjectsPage } from './pages/projects.tsx';
import { sessionsApi } from './api.ts';
import { pageSession } from './session-base.ts';

export function App() {
  const { router, session, keys, ui, strategy, identity, socket } = useApp();
  const [tried, setTried] = createSignal(false);
  /** `/` of the default session's URLs is the projects page when the server says so and has several sessions */
  const [projectsHome, setProjectsHome] = createSignal(false);
  const [homeKnown, setHomeKnown] = createSignal(!!pageSession);
  onMount(() => {
    void session.refresh().finally(() => setTried(true));
    if (!pageSession)
      void sessionsApi
        .list()
        .then((l) => setProjectsHome(l.home === 'projects' && l.sessions.length > 1))
        .catch(() => {})
        .finally(() => setHomeKnown(true));
  });
  const onProjects = () => router.path() === '/projects' || (router.path() === '/' && projectsHome());
  // the live socket joins this page's session once the page is one (the projects page joins none, so
  // looking at the list starts no trainer)
  createEffect(() => {
    if ((homeKnown() || router.path() !== '/') && !onProjects()) socket.start();
  });

  const task = () => session.info()?.task ?? null;
  /** /<task>: each task of the registry has its labelling route */
  const routeTask = () => WEB_TASK_LIST.find((t) => router.path() === `/${t.name}`);
  keys.use('global', {
    help: () => ui.setHelp(true),
    jump: () => ui.setJump(true),
    classes: () => ui.setClasses(true),
    strategyNext: () => strategy.cycle(1),
    strategyPrev: () => strategy.cycle(-1),
    name: () =>
      identity.me()?.authenticated
        ? ui.notify('Signed in with a token: your name comes from it.')
        : identity.setEditing(true),
    goHome: () => router.navigate('/'),
    goLabel: () => router.navigate(task() ? `/${task()}` : '/'),
    goBrowse: () => router.navigate('/browse'),
    goStats: () => router.navigate('/stats'),
    goEval: () => router.navigate('/evaluation'),
    goSettings: () => router.navigate('/settings'),
    goProjects: () => router.navigate('/projects'),
  });

  // the title says where you are, handy with many tabs
  createEffect(() => {
    document.title = `hilt · ${session.info()?.name ?? '…'}`;
  });

  return (
    <div class="app">
      <Show when={!onProjects()} fallback={<ProjectsHeader />}>
        <Header />
      </Show>
      <Show when={!onProjects()}>
        <OfflineBanner />
      </Show>
      <main class="main">
        <Show when={!onProjects()} fallback={<ProjectsPage />}>
          <Show
            when={session.info()}
            fallback={
              <div class="center-note">
                <Show when={tried() && session.error()} fallback={<p>Loading the session…</p>}>
                  <p class="error">Can't load the session: {session.error()}</p>
                  <button onClick={() => session.refresh()}>Retry</button>
                </Show>
              </div>
            }
          >
            <Switch
              fallback={
                <div class="center-note">
                  <p>No page at {router.path()}.</p>
                  <a href="/">Go home</a>
                </div>
              }
            >
              <Match when={router.path() === '/'}>
                <HomePage />
              </Match>
              <Match when={routeTask()}>{(t) => <TaskRoute task={t().name} />}</Match>
              <Match when={router.path() === '/browse'}>
                <BrowsePage />
              </Match>
              <Match when={router.path() === '/stats'}>
                <StatsPage />
              </Match>
              <Match when={router.path() === '/evaluation'}>
                <EvaluationPage />
              </Match>
              <Match when={router.path() === '/settings'}>
                <SettingsPage />
              </Match>
            </Switch>
          </Show>
        </Show>
      </main>
      <Show when={ui.classes() && session.info()}>
        <ClassesPanel onClose={() => ui.setClasses(false)} />
      </Show>
      <Show when={strategy.asking() && session.info()}>
        <ClassPrompt />
      </Show>
      <Show when={ui.help()}>
        <KeysOverlay onClose={() => ui.setHelp(false)} />
      </Show>
      <Toasts />
    </div>
  );
}
