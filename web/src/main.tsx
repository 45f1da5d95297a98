// Entry: create the stores once, then render the shell.
import './zod-config.ts';
import { render } from 'solid-js/web';
import { App } from './app.tsx';
import { AppContext, createUi } from './context.ts';
import { createRouter } from './router.ts';
import { createSocket } from './socket.ts';
import { createKeys } from './keys/bind.ts';
import { installFocusRelease } from './keys/dom.ts';
import { createSessionStore } from './stores/session.ts';
import { createPrefs } from './stores/prefs.ts';
import { createIdentity } from './stores/identity.ts';
import { createStrategy } from './stores/strategy.ts';
import './styles.css';

installFocusRelease();
const root = document.getElementById('root')!;
render(() => {
  // the app starts it once the page is a session's, not the projects page
  const socket = createSocket(undefined, undefined, { lazy: true });
  const session = createSessionStore(socket);
  const prefs = createPrefs();
  const ctx = {
    router: createRouter(),
    socket,
    keys: createKeys(),
    session,
    prefs,
    ui: createUi(),
    identity: createIdentity(),
    strategy: createStrategy({ prefs, session }),
  };
  return (
    <AppContext.Provider value={ctx}>
      <App />
    </AppContext.Provider>
  );
}, root);
