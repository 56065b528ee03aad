// The WebSocket connection: authenticates with ?access_token=, reconnects with exponential
// backoff and jitter, follows the browser's online/offline events, and detects dead
// connections with app-level pings (browsers hide WebSocket control frames).
//
// States (event 'state', also this.state):
//   connecting   opening the socket
//   syncing      hello received, the server is replaying the backlog
//   online       synced: live traffic
//   reconnecting waiting for the next attempt (this.retryAt)
//   offline      the browser reports no network; waits for the 'online' event
//   stopped      after stop() (logout)

const MIN_BACKOFF = 500;
const MAX_BACKOFF = 30000;

export class Socket extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.ws = null;
    this.state = 'stopped';
    this.attempt = 0;
    this.timer = null;
    this.pingTimer = null;
    this.lastHeard = 0;
    this.heartbeat = 25000;
    this.retryAt = 0;
    this.onOnline = () => this.connectNow();
    this.onOffline = () => this.dropForOffline();
    this.onVisible = () => {
      if (document.visibilityState === 'visible' && this.state === 'reconnecting') this.connectNow();
    };
  }

  start() {
    if (this.state !== 'stopped') return;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.setState('connecting');
    this.connectNow();
  }

  stop() {
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.timer);
    this.closeSocket(1000, 'logout');
    this.setState('stopped');
  }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    console.debug(`[parley] connection ${s}`);
    this.dispatchEvent(new CustomEvent('state', { detail: s }));
  }

  /** Sends a frame if the socket is open; returns whether it was handed to the socket. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.helloSeen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  get isOpen() { return !!this.ws && this.ws.readyState === WebSocket.OPEN && this.helloSeen; }

  connectNow() {
    if (this.state === 'stopped') return;
    clearTimeout(this.timer);
    this.timer = null;
    if (!navigator.onLine) { this.setState('offline'); return; }
    if (this.opening) return; // already waiting for a token
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    this.opening = true;
    this.open().finally(() => { this.opening = false; });
  }

  async open() {
    this.setState('connecting');
    let token;
    try {
      token = await this.session.token();
    } catch (e) {
      if (e && e.name === 'LoggedOut') return; // session listener handles it
      this.scheduleRetry();
      return;
    }
    if (this.state !== 'connecting') return; // stopped or went offline meanwhile
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/v1/ws?access_token=${encodeURIComponent(token)}`);
    this.ws = ws;
    this.helloSeen = false;
    console.debug('[parley] opening socket');
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      let frame;
      try { frame = JSON.parse(ev.data); } catch (_) { return; }
      if (frame.type === 'hello') {
        this.helloSeen = true;
        this.attempt = 0;
        this.heartbeat = frame.heartbeat_ms || 25000;
        this.startPings();
        this.setState('syncing');
      } else if (frame.type === 'synced') {
        this.setState('online');
      } else if (frame.type === 'reconnect') {
        this.serverRetryMs = frame.retry_after_ms;
      }
      this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.stopPings();
      this.dispatchEvent(new CustomEvent('closed', { detail: ev.code }));
      if (this.state === 'stopped') return;
      if (ev.code === 4401) {
        // token expired or revoked: refresh (which logs out if refresh fails), then retry
        this.session.access = null;
        this.session.refresh().then(() => this.scheduleRetry(0), () => {});
        this.setState('reconnecting');
        return;
      }
      if (!navigator.onLine) { this.setState('offline'); return; }
      const hint = this.serverRetryMs;
      this.serverRetryMs = undefined;
      this.scheduleRetry(hint);
    };
  }

  scheduleRetry(delayHint) {
    clearTimeout(this.timer);
    const base = Math.min(MAX_BACKOFF, MIN_BACKOFF * 2 ** this.attempt);
    const delay = delayHint !== undefined ? delayHint + Math.random() * 500 : base / 2 + Math.random() * base / 2;
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting');
    this.dispatchEvent(new CustomEvent('retry', { detail: this.retryAt }));
    this.timer = setTimeout(() => { this.timer = null; this.connectNow(); }, delay);
  }

  dropForOffline() {
    if (this.state === 'stopped') return;
    clearTimeout(this.timer);
    this.timer = null;
    this.closeSocket(1000, 'network offline');
    this.setState('offline');
  }

  closeSocket(code, reason) {
    const ws = this.ws;
    this.ws = null;
    this.stopPings();
    if (ws) {
      try { ws.close(code, reason); } catch (_) { /* already closing */ }
      this.dispatchEvent(new CustomEvent('closed', { detail: code }));
    }
  }

  startPings() {
    this.stopPings();
    const every = Math.max(1000, Math.min(this.heartbeat / 2, 15000));
    this.lastHeard = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > 2 * every + 5000) {
        // nothing heard (not even a pong) for two ping periods: the connection is dead
        this.closeSocket(4000, 'no pong');
        this.scheduleRetry(0);
        return;
      }
      this.send({ type: 'ping' });
    }, every);
  }

  stopPings() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
