// The console's shell: sign-in, the session bar, and a router over three pages — the inbox
// (`/ui/`), a plan (`/ui/plans/<id>`) and a document's history (`/ui/cases/<case>/history?path=`).
// Paths are relative to <base>, so the app works wherever the api is mounted.
import { call, clearToken, describeError, get, onUnauthenticated, setToken, token } from './api.js';
import { h, notice, replace } from './dom.js';
import { renderHistory } from './history.js';
import { renderInbox } from './inbox.js';
import { renderPlan } from './plan.js';

/**
 * Google Identity Services, once its script has loaded (it sets `window.google`).
 * @returns {any}
 */
function googleIdentity() {
  return /** @type {any} */ (window).google;
}

const main = document.getElementById('main');
const sessionBar = document.getElementById('session');
const basePath = new URL(document.baseURI).pathname;

let settings = { googleClientId: null };
let me = null;
/** Stops the current page's timers when another page replaces it. */
let leavePage = () => {};

export function navigate(relativePath, { replaceState = false } = {}) {
  const url = new URL(relativePath, document.baseURI);
  if (replaceState) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route();
}

function currentRoute() {
  const rest = location.pathname.startsWith(basePath) ? location.pathname.slice(basePath.length) : '';
  const plan = /^plans\/([^/]+)\/?$/.exec(rest);
  if (plan) return { page: 'plan', id: decodeURIComponent(plan[1]) };
  const documentHistory = /^cases\/([^/]+)\/history\/?$/.exec(rest);
  if (documentHistory) return { page: 'history', caseName: decodeURIComponent(documentHistory[1]), query: new URLSearchParams(location.search) };
  return { page: 'inbox', query: new URLSearchParams(location.search) };
}

async function route() {
  leavePage();
  leavePage = () => {};
  document.documentElement.removeAttribute('data-plan-ready');
  document.documentElement.removeAttribute('data-history-ready');
  if (!token()) return showSignIn();
  if (!me) {
    try {
      me = await get('/me');
    } catch (error) {
      if (error.status === 401) return; // the unauthenticated listener shows sign-in
      if (error.status === 403) {
        // A real account Bailiff does not list: nothing to show, so back to sign-in, saying why.
        clearToken();
        showSignIn({ error: `${describeError(error).headline} Ask your Bailiff administrator to add your account.` });
        return;
      }
      replace(main, pageError(error));
      return;
    }
  }
  renderSession();
  const target = currentRoute();
  const context = { me, navigate, onLeave: (stop) => (leavePage = stop) };
  try {
    if (target.page === 'plan') await renderPlan(main, target.id, context);
    else if (target.page === 'history') await renderHistory(main, target.caseName, target.query);
    else await renderInbox(main, target.query, context);
  } catch (error) {
    if (error.status !== 401) replace(main, pageError(error));
  }
  main.focus({ preventScroll: true });
}

function pageError(error) {
  const { headline, lines } = describeError(error);
  return h(
    'section',
    { class: 'page' },
    notice(
      'error',
      h('p', { text: headline }),
      lines.map((line) => h('p', { class: 'detail', text: line })),
    ),
    h('p', {}, h('a', { href: './', 'data-link': true, text: 'Back to all plans' })),
  );
}

function renderSession() {
  if (!me) return replace(sessionBar);
  const roles = me.roles.join(', ');
  replace(
    sessionBar,
    h('span', { class: 'who' }, h('span', { class: 'who-name', text: me.principal }), h('span', { class: 'who-roles', text: roles })),
    h('button', { type: 'button', class: 'button button-quiet', onclick: signOut, text: 'Sign out' }),
  );
}

function signOut() {
  clearToken();
  me = null;
  if (googleIdentity()?.accounts?.id) googleIdentity().accounts.id.disableAutoSelect();
  showSignIn({ message: 'You are signed out.' });
}

function acceptToken(value) {
  setToken(value);
  me = null;
  route();
}

/** @param {{ message?: string, error?: unknown }} [notice] */
function showSignIn({ message, error } = {}) {
  leavePage();
  document.documentElement.removeAttribute('data-plan-ready');
  me = null;
  replace(sessionBar);
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'token-help',
  });
  const form = h(
    'form',
    {
      class: 'signin-form',
      onsubmit: (event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (value) acceptToken(value);
      },
    },
    h('label', { for: 'token', text: 'Access token' }),
    input,
    h(
      'p',
      { id: 'token-help', class: 'hint' },
      'Paste the token you were given. On a local Bailiff, ',
      h('code', { text: 'npm start' }),
      ' prints one per person; they are also in ',
      h('code', { text: '.bailiff/dev-tokens.json' }),
      '. It is kept for this browser tab only.',
    ),
    h('button', { type: 'submit', class: 'button button-primary', text: 'Sign in' }),
  );
  const google = settings.googleClientId
    ? h('div', { class: 'google-signin' }, h('p', { text: 'Sign in with your firm’s Google account:' }), h('div', { id: 'google-button' }))
    : null;
  replace(
    main,
    h(
      'section',
      { class: 'signin' },
      h('h1', { text: 'Sign in to review plans' }),
      h('p', {
        class: 'lead',
        text: 'Bailiff shows you exactly what an assistant proposes to change in a case’s files, so you can approve it, reject it, watch it run and undo it.',
      }),
      error ? notice('error', h('p', { text: error })) : null,
      message ? notice('info', h('p', { text: message })) : null,
      google,
      google ? h('p', { class: 'divider', text: 'or' }) : null,
      form,
    ),
  );
  if (google) startGoogleSignIn();
  else input.focus();
}

let googleScript;
function startGoogleSignIn() {
  const ready = () => {
    googleIdentity().accounts.id.initialize({ client_id: settings.googleClientId, callback: (response) => acceptToken(response.credential), ux_mode: 'popup' });
    const target = document.getElementById('google-button');
    if (target) googleIdentity().accounts.id.renderButton(target, { theme: 'outline', size: 'large', text: 'signin_with' });
  };
  if (googleIdentity()?.accounts?.id) return ready();
  googleScript ??= new Promise((resolve, reject) => {
    const script = h('script', { src: 'https://accounts.google.com/gsi/client', async: true });
    script.addEventListener('load', resolve);
    script.addEventListener('error', reject);
    document.head.append(script);
  });
  googleScript.then(ready, () => {
    const target = document.getElementById('google-button');
    if (target) replace(target, notice('warning', h('p', { text: 'Google sign-in could not be loaded. Paste a token instead.' })));
  });
}

onUnauthenticated((error) => {
  clearToken();
  const reason = error.details?.[0]?.reason;
  const expired = reason === 'expired';
  showSignIn({
    error: expired ? 'Your sign-in has expired. Please sign in again.' : 'That token was not accepted (it is wrong or has expired). Please sign in again.',
  });
});

// Links marked data-link move within the app without reloading it.
document.addEventListener('click', (event) => {
  const link = /** @type {Element} */ (event.target).closest?.('a[data-link]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', () => route());

async function start() {
  try {
    settings = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' }).then((response) => response.json());
  } catch {
    settings = { googleClientId: null };
  }
  await route();
}

// For tests and the benchmark: set once the first page has rendered and can be used.
start().finally(() => document.documentElement.setAttribute('data-ready', 'true'));
export { call };
