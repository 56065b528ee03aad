// Entry point: the log-in / sign-up screen, then the app shell that ties the socket, the
// chat state and the views together; connection state, notifications, title badge, routing
// (#c=<conversation_id>, so the phone's back gesture returns to the list) and shortcuts.

import { Api, Session, LoggedOut } from './api.js';
import { Socket } from './socket.js';
import { Chat } from './chat.js';
import { $, avatar, toast, announce } from './dom.js';
import { previewText, rememberLocalMedia } from './messages.js';
import { Sidebar } from './sidebar.js';
import { ThreadView } from './thread.js';
import { Dialogs } from './dialogs.js';

const session = new Session();
let app = null;

// ---------- authentication screen ----------

let signupMode = false;

function setAuthMode(signup) {
  signupMode = signup;
  $('auth-display-row').hidden = !signup;
  $('auth-submit').textContent = signup ? 'Create account' : 'Log in';
  $('auth-lead').textContent = signup ? 'Create your account. It takes a few seconds.' : 'Log in to continue your conversations.';
  $('auth-switch-text').textContent = signup ? 'Already have an account?' : 'New to Parley?';
  $('auth-switch').textContent = signup ? 'Log in' : 'Create an account';
  $('auth-password').autocomplete = signup ? 'new-password' : 'current-password';
  $('auth-error').textContent = '';
}

function showAuth() {
  $('app').hidden = true;
  $('auth').hidden = false;
  document.title = 'Parley';
  $('auth-username').focus();
}

$('auth-switch').addEventListener('click', () => setAuthMode(!signupMode));
$('auth-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const username = $('auth-username').value.trim();
  const password = $('auth-password').value;
  const err = $('auth-error');
  if (!username || !password) { err.textContent = 'Enter a username and a password.'; return; }
  $('auth-submit').disabled = true;
  err.textContent = '';
  try {
    if (signupMode) await session.signup(username, password, $('auth-display').value.trim());
    else await session.login(username, password);
    $('auth-form').reset();
    await startApp();
  } catch (ex) {
    err.textContent = ex.code === 'conflict' ? 'That username is taken.'
      : ex.status === 401 ? 'Wrong username or password.'
        : ex.status === 429 ? 'Too many attempts. Try again in a moment.' : (ex.message || 'Something went wrong.');
  } finally {
    $('auth-submit').disabled = false;
  }
});

session.addEventListener('logout', () => {
  // a fresh page is the simplest way to drop every piece of state of the old session
  sessionStorage.setItem('parley.notice', 'Your session ended. Please log in again.');
  location.replace('/');
});

// ---------- the app ----------

class App {
  constructor() {
    this.api = new Api(session);
    this.socket = new Socket(session);
    this.chat = new Chat(this.api, this.socket, session);
    this.chat.onUploaded = rememberLocalMedia;
    this.sidebar = new Sidebar(this.chat, this);
    this.thread = new ThreadView(this.chat, this);
    this.dialogs = new Dialogs(this.chat, this);
    this.chat.addEventListener('change', (e) => this.onChange(e.detail));
    this.chat.addEventListener('incoming', (e) => this.notify(e.detail));
    this.socket.addEventListener('state', (e) => this.showState(e.detail));
    this.on(document, 'visibilitychange', () => {
      if (document.visibilityState === 'visible') this.chat.markRead();
    });
    this.on(window, 'popstate', () => this.route());
    this.on(document, 'keydown', (e) => this.shortcut(e));
    this.on($('conn-retry'), 'click', () => this.socket.connectNow());
    this.on($('btn-menu'), 'click', () => this.toggleMenu());
    this.on($('menu-logout'), 'click', () => this.logout());
    this.on($('menu-notify'), 'click', () => this.askNotifications());
    this.countdown = setInterval(() => this.showState(this.socket.state), 1000);
  }

  on(target, type, fn) { target.addEventListener(type, fn); }

  async start() {
    $('auth').hidden = true;
    $('app').hidden = false;
    this.showState('connecting');
    try {
      this.chat.profile = await this.api.me();
    } catch (e) {
      if (e instanceof LoggedOut) throw e;
      this.chat.profile = { username: session.username }; // offline: the socket catches up later
    }
    const name = this.chat.profile.display_name || this.chat.profile.username;
    $('me-name').textContent = name;
    avatar($('me-avatar'), session.userId, name);
    $('menu-notify').hidden = !('Notification' in window) || Notification.permission !== 'default';
    this.socket.start();
    try {
      await this.chat.loadConversations();
    } catch (e) {
      if (e instanceof LoggedOut) throw e;
      // offline: loaded again on the socket's hello
    }
    await this.route();
  }

  async logout() {
    this.toggleMenu(false);
    this.socket.stop();
    await session.logout();
    location.replace('/');
  }

  toggleMenu(force) {
    const menu = $('menu');
    const open = force === undefined ? menu.hidden : force;
    menu.hidden = !open;
    $('btn-menu').setAttribute('aria-expanded', String(open));
    if (open) menu.querySelector('button:not([hidden])').focus();
  }

  async askNotifications() {
    this.toggleMenu(false);
    const r = await Notification.requestPermission();
    $('menu-notify').hidden = r !== 'default';
    toast(r === 'granted' ? 'Notifications are on.' : 'Notifications are blocked in the browser settings.');
  }

  showState(state) {
    const el = $('conn-status');
    const labels = { connecting: 'Connecting…', syncing: 'Updating…', online: 'Online', offline: 'Offline', reconnecting: 'Reconnecting…', stopped: 'Offline' };
    el.dataset.state = state;
    if (el.textContent !== labels[state]) el.textContent = labels[state];
    const banner = $('conn-banner');
    let text = '';
    if (state === 'offline') text = 'No network. Messages you send will go out when you are back online.';
    else if (state === 'reconnecting') {
      const s = Math.max(0, Math.ceil((this.socket.retryAt - Date.now()) / 1000));
      text = s > 0 ? `Connection lost. Reconnecting in ${s} s…` : 'Connection lost. Reconnecting…';
    }
    banner.hidden = !text;
    if ($('conn-banner-text').textContent !== text) $('conn-banner-text').textContent = text;
    $('conn-retry').hidden = state !== 'reconnecting';
  }

  onChange(d) {
    if (['list', 'message', 'users', 'presence', 'typing', 'conversation', 'receipts'].includes(d.what)) this.scheduleList();
    this.thread.onChange(d);
    this.dialogs.onChange(d);
    if (d.what === 'removed') {
      toast(`You are no longer a member of ${d.title || 'the group'}`);
      if (this.chat.openId === d.id) this.closeConversation();
    }
    // failed sends show on the message; other frame errors (a presence or read frame racing a
    // removal from a group) are not the user's business
    if (d.what === 'error' && d.clientMsgId && d.code !== 'unavailable') toast(`Not sent: ${d.message || d.code}`);
  }

  scheduleList() {
    if (this.listQueued) return;
    this.listQueued = true;
    requestAnimationFrame(() => { this.listQueued = false; this.sidebar.render(); });
  }

  notify({ conv, message }) {
    if (document.visibilityState === 'visible' && this.chat.openId === conv.conversation_id) return;
    if (document.visibilityState === 'visible') return; // the list badge shows it
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const who = this.chat.userName(message.sender_id);
    const title = conv.type === 'group' ? `${who} in ${this.chat.title(conv)}` : who;
    const n = new Notification(title, { body: previewText(this.chat, message), tag: conv.conversation_id, icon: '/favicon.svg' });
    n.onclick = () => { window.focus(); this.openConversation(conv.conversation_id); n.close(); };
  }

  async route() {
    const m = /^#c=(\d+)$/.exec(location.hash);
    if (m && this.chat.convs.has(m[1])) await this.openConversation(m[1], { fromRoute: true });
    else if (this.chat.openId) this.closeConversation({ fromRoute: true });
  }

  async openConversation(id, { jumpSeq, fromRoute } = {}) {
    const conv = this.chat.convs.get(id);
    if (!conv) { toast('That conversation is not available.'); return; }
    if (!fromRoute && location.hash !== '#c=' + id) history.pushState(null, '', '#c=' + id);
    delete $('thread-main').dataset.ready; // set again once this one is loaded (tests wait for it)
    $('app').classList.add('chat-open');
    this.chat.openId = id;
    this.thread.show(conv, { jumpSeq });
    this.sidebar.render();
    if (jumpSeq) {
      if (!conv.messages.has(jumpSeq)) await this.chat.loadAround(conv, jumpSeq);
      else this.thread.flash(jumpSeq);
    } else {
      await this.chat.openConversation(id);
    }
    this.chat.subscribePresence();
    if (window.matchMedia('(min-width: 721px)').matches || !jumpSeq) $('composer-input').focus({ preventScroll: true });
    if (jumpSeq) this.thread.flash(jumpSeq);
    if (this.chat.openId === id) $('thread-main').dataset.ready = id;
    announce(`Conversation with ${this.chat.title(conv)} opened`);
  }

  closeConversation({ fromRoute } = {}) {
    const id = this.chat.openId;
    this.chat.openId = null;
    this.thread.clear();
    $('app').classList.remove('chat-open');
    if (!fromRoute && location.hash) history.pushState(null, '', location.pathname);
    this.sidebar.render();
    if (id) document.querySelector(`#conv-list button[data-conversation-id="${id}"]`)?.focus();
  }

  shortcut(e) {
    if (document.querySelector('dialog[open]')) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      if (this.chat.openId && window.matchMedia('(max-width: 720px)').matches) this.closeConversation();
      $('search-input').focus();
    } else if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const ids = this.chat.sortedConvs().map((c) => c.conversation_id);
      if (!ids.length) return;
      const i = ids.indexOf(this.chat.openId);
      const next = ids[(i + (e.key === 'ArrowDown' ? 1 : ids.length - 1) + (i < 0 ? 1 : 0)) % ids.length];
      this.openConversation(next);
    } else if (e.key === 'Escape') {
      if (!$('menu').hidden) this.toggleMenu(false);
      else if (this.chat.openId && window.matchMedia('(max-width: 720px)').matches) this.closeConversation();
    }
  }
}

async function startApp() {
  app = new App();
  try {
    await app.start();
  } catch (e) {
    if (e instanceof LoggedOut) return;
    toast('Could not load your chats: ' + e.message);
    console.error(e);
  }
}

// ---------- boot ----------

setAuthMode(false);
const notice = sessionStorage.getItem('parley.notice');
if (notice) { sessionStorage.removeItem('parley.notice'); $('auth-error').textContent = notice; }
if (session.stored()) {
  session.token().then(startApp, (e) => {
    if (e instanceof LoggedOut) return; // the logout listener shows the log-in screen
    // offline at start-up: show the app anyway, it connects when the network is back
    startApp();
  });
} else {
  showAuth();
}
