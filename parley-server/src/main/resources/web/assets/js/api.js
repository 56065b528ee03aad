// REST access and the session: access token in memory, refresh token in localStorage.
// Refresh rotation is serialized across tabs with the Web Locks API (when available); the
// server also tolerates a short race window between two tabs.

const SESSION_KEY = 'parley.session';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

/** Thrown when the session can no longer be refreshed: the user must log in again. */
export class LoggedOut extends Error {
  constructor(msg) { super(msg); this.name = 'LoggedOut'; }
}

async function readError(res) {
  try {
    const j = await res.json();
    if (j && j.error) return new ApiError(res.status, j.error.code, j.error.message);
  } catch (_) { /* not JSON */ }
  return new ApiError(res.status, 'http_' + res.status, res.statusText);
}

async function postJson(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!res.ok) throw await readError(res);
  return res.status === 204 ? null : res.json();
}

export class Session extends EventTarget {
  constructor() {
    super();
    this.access = null;
    this.accessExpires = 0;
    this.refreshing = null;
  }

  /** The stored session {refresh_token, user_id, device_id, username} or null. */
  stored() {
    try { return JSON.parse(localStorage.getItem(SESSION_KEY)); } catch (_) { return null; }
  }

  get userId() { return this.stored()?.user_id; }
  get deviceId() { return this.stored()?.device_id; }
  get username() { return this.stored()?.username; }

  async signup(username, password, displayName) {
    const body = { username, password };
    if (displayName) body.display_name = displayName;
    await postJson('/v1/auth/signup', body);
    return this.login(username, password);
  }

  async login(username, password) {
    const r = await postJson('/v1/auth/login', { username, password, device_name: deviceName() });
    localStorage.setItem(SESSION_KEY, JSON.stringify({
      refresh_token: r.refresh_token, user_id: r.user_id, device_id: r.device_id, username,
    }));
    this.setAccess(r);
    return r;
  }

  setAccess(r) {
    this.access = r.access_token;
    this.accessExpires = Date.now() + Math.max(10, (r.expires_in || 300) - 30) * 1000;
  }

  /** A valid access token, refreshing first if needed. */
  async token() {
    if (this.access && Date.now() < this.accessExpires) return this.access;
    return this.refresh();
  }

  /** Rotates the refresh token; one refresh at a time in this tab and across tabs. */
  refresh() {
    if (!this.refreshing) {
      const used = this.access;
      const run = () => this.doRefresh(used);
      const p = navigator.locks ? navigator.locks.request('parley-refresh', run) : run();
      this.refreshing = p.finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  async doRefresh(used) {
    if (this.access && this.access !== used && Date.now() < this.accessExpires) return this.access;
    const s = this.stored(); // re-read: another tab may have rotated it meanwhile
    if (!s || !s.refresh_token) throw this.loggedOut();
    let r;
    try {
      r = await postJson('/v1/auth/refresh', { refresh_token: s.refresh_token });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) throw this.loggedOut();
      throw e;
    }
    localStorage.setItem(SESSION_KEY, JSON.stringify({ ...s, refresh_token: r.refresh_token }));
    this.setAccess(r);
    return this.access;
  }

  loggedOut() {
    this.clear();
    this.dispatchEvent(new Event('logout'));
    return new LoggedOut('session expired');
  }

  clear() {
    localStorage.removeItem(SESSION_KEY);
    this.access = null;
    this.accessExpires = 0;
  }

  async logout() {
    try {
      const t = await this.token();
      await fetch('/v1/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + t } });
    } catch (_) { /* offline or already revoked: forget it locally anyway */ }
    this.clear();
  }
}

function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge'
    : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return `Web (${browser})`;
}

/** Authenticated REST calls; a 401 refreshes the token once and retries. */
export class Api {
  constructor(session) { this.session = session; }

  async request(method, path, body) {
    for (let attempt = 0; ; attempt++) {
      const token = await this.session.token();
      const headers = { Authorization: 'Bearer ' + token };
      const init = { method, headers };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      const res = await fetch(path, init);
      if (res.status === 401 && attempt === 0) {
        this.session.access = null;
        continue;
      }
      if (!res.ok) throw await readError(res);
      if (res.status === 204) return null;
      const text = await res.text();
      return text ? JSON.parse(text) : null;
    }
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body === undefined ? {} : body); }
  patch(path, body) { return this.request('PATCH', path, body); }
  put(path, body) { return this.request('PUT', path, body); }
  del(path) { return this.request('DELETE', path); }

  conversations() { return this.get('/v1/conversations'); }
  me() { return this.get('/v1/users/me'); }
  user(id) { return this.get('/v1/users/' + encodeURIComponent(id)); }
  userByName(name) { return this.get('/v1/users?username=' + encodeURIComponent(name)); }
  direct(userId) { return this.post('/v1/conversations/direct', { user_id: userId }); }
  history(convId, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, v);
    return this.get(`/v1/conversations/${convId}/messages?${q}`);
  }
  search(q, cursor) {
    const p = new URLSearchParams({ q, limit: '20' });
    if (cursor) p.set('cursor', cursor);
    return this.get('/v1/search?' + p);
  }

  /** Uploads a file with progress (fetch cannot report upload progress, XHR can). */
  async upload(file, kind, onProgress) {
    for (let attempt = 0; ; attempt++) {
      const token = await this.session.token();
      const res = await new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/v1/media?kind=' + encodeURIComponent(kind));
        xhr.setRequestHeader('Authorization', 'Bearer ' + token);
        xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
        xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
        xhr.onload = () => resolve(xhr);
        xhr.onerror = () => reject(new ApiError(0, 'network', 'upload failed: network error'));
        xhr.send(file);
      });
      if (res.status === 401 && attempt === 0) { this.session.access = null; continue; }
      let json = null;
      try { json = JSON.parse(res.responseText); } catch (_) { /* empty */ }
      if (res.status < 200 || res.status >= 300) {
        const err = json && json.error;
        throw new ApiError(res.status, err ? err.code : 'http_' + res.status, err ? err.message : 'upload failed');
      }
      return json;
    }
  }

  /** Media bytes as a Blob (the endpoint needs the bearer token, so no plain <img src>). */
  async mediaBlob(mediaId) {
    for (let attempt = 0; ; attempt++) {
      const token = await this.session.token();
      const res = await fetch('/v1/media/' + encodeURIComponent(mediaId), { headers: { Authorization: 'Bearer ' + token } });
      if (res.status === 401 && attempt === 0) { this.session.access = null; continue; }
      if (!res.ok) throw await readError(res);
      return res.blob();
    }
  }
}
