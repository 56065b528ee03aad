// Client state and protocol logic: conversations, messages, receipts, typing, presence, the
// outbox of unacknowledged sends (kept in localStorage and resent after every reconnect with
// the same client_msg_id), delivered/read confirmations. Emits 'change' (detail: what changed)
// and 'incoming' (a new message from someone else). No DOM here.

const TYPING_TTL = 6000;
const PAGE = 50;

export class Chat extends EventTarget {
  constructor(api, socket, session) {
    super();
    this.api = api;
    this.socket = socket;
    this.session = session;
    this.me = session.userId;
    this.convs = new Map();
    this.users = new Map();
    this.userFetches = new Map();
    this.presence = new Map();
    this.subscribed = new Set();
    this.removedAt = new Map();
    this.seen = new Set();
    this.openId = null;
    this.visible = () => document.visibilityState === 'visible';
    this.deliverTimers = new Map();
    this.outboxKey = `parley.outbox.${this.me}`;
    this.outbox = new Map();
    for (const p of this.loadOutbox()) this.outbox.set(p.client_msg_id, { ...p, status: 'pending' });
    this.uploads = new Map(); // local id -> {conversation_id, file, progress, kind, ts, error}
    socket.addEventListener('frame', (e) => this.onFrame(e.detail));
    socket.addEventListener('closed', () => this.forgetLive());
    setInterval(() => this.expireTyping(), 1000);
  }

  emit(what, extra) { this.dispatchEvent(new CustomEvent('change', { detail: { what, ...extra } })); }

  // ---------- conversations ----------

  async loadConversations() {
    const started = performance.now();
    const r = await this.api.conversations();
    const ids = new Set();
    for (const c of r.conversations) {
      // a removal that arrived while this list was on its way wins over the list
      if (this.removedAt.get(c.conversation_id) >= started) continue;
      ids.add(c.conversation_id);
      this.upsertConv(c);
    }
    for (const id of [...this.convs.keys()]) if (!ids.has(id)) this.convs.delete(id);
    this.emit('list');
    this.subscribePresence();
  }

  refreshSoon() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.loadConversations().catch(() => {}), 150);
  }

  upsertConv(c) {
    let conv = this.convs.get(c.conversation_id);
    if (!conv) {
      conv = { messages: new Map(), receipts: new Map(), typing: new Map(), minSeq: null,
        hasMoreBefore: true, hasMoreAfter: false, loaded: false, unread_count: 0, last_read_seq: 0,
        last_seq: 0, last_message: null };
      this.convs.set(c.conversation_id, conv);
    }
    conv.conversation_id = c.conversation_id;
    conv.type = c.type || conv.type;
    if (c.title !== undefined || c.name !== undefined) conv.title = c.name ?? c.title;
    if (c.members) conv.members = c.members;
    if (c.created_at) conv.created_at = c.created_at;
    if (c.last_seq !== undefined) conv.last_seq = Math.max(conv.last_seq, c.last_seq);
    if (c.last_message !== undefined && c.last_message) {
      this.noteLast(conv, c.last_message);
    }
    if (c.unread_count !== undefined) {
      // a list answered before the server applied our latest 'read' counts messages we have read
      const stale = (c.last_read_seq ?? 0) < conv.last_read_seq;
      if (!stale) conv.unread_count = c.unread_count;
      else if (conv.last_read_seq >= conv.last_seq) conv.unread_count = 0;
    }
    if (c.last_read_seq !== undefined) conv.last_read_seq = Math.max(conv.last_read_seq, c.last_read_seq);
    for (const m of conv.members || []) if (m.user_id !== this.me) this.user(m.user_id);
    return conv;
  }

  noteLast(conv, m) {
    if (!conv.last_message || m.seq >= conv.last_message.seq) conv.last_message = m;
    conv.last_seq = Math.max(conv.last_seq, m.seq);
  }

  sortedConvs() {
    const t = (c) => {
      const pend = [...this.outbox.values()].filter((p) => p.conversation_id === c.conversation_id);
      const last = c.last_message ? c.last_message.ts : 0;
      return Math.max(last, ...pend.map((p) => p.ts), c.created_at || 0);
    };
    return [...this.convs.values()].sort((a, b) => t(b) - t(a));
  }

  others(conv) { return (conv.members || []).map((m) => m.user_id).filter((id) => id !== this.me); }

  directPartner(conv) { return conv.type === 'direct' ? this.others(conv)[0] : null; }

  title(conv) {
    if (conv.type === 'direct') {
      const p = this.directPartner(conv);
      return p ? this.userName(p) : (conv.title || 'Chat');
    }
    return conv.title || 'Group';
  }

  totalUnread() {
    let n = 0;
    for (const c of this.convs.values()) n += c.unread_count || 0;
    return n;
  }

  // ---------- users and presence ----------

  user(id) {
    if (this.users.has(id)) return this.users.get(id);
    if (!this.userFetches.has(id)) {
      this.userFetches.set(id, this.api.user(id).then((u) => {
        this.users.set(id, u);
        this.emit('users');
        return u;
      }, () => { this.userFetches.delete(id); }));
    }
    return null;
  }

  userName(id) {
    if (id === this.me && this.profile) return this.profile.display_name || this.profile.username;
    const u = this.user(id);
    return u ? (u.display_name || u.username) : '…';
  }

  /**
   * One frame per not yet subscribed user: the server refuses a whole frame if any one user no
   * longer shares a conversation (e.g. just after a removal), which would lose the others.
   */
  subscribePresence() {
    if (!this.socket.isOpen) return;
    for (const c of this.convs.values()) {
      for (const id of this.others(c)) {
        if (this.subscribed.has(id) || this.subscribed.size >= 1000) continue;
        this.subscribed.add(id);
        this.socket.send({ type: 'presence_subscribe', user_ids: [id] });
      }
    }
  }

  /** Presence and typing are live-only: unknown while disconnected, resubscribed on connect. */
  forgetLive() {
    this.presence.clear();
    this.subscribed.clear();
    for (const c of this.convs.values()) c.typing.clear();
    this.emit('presence', {});
  }

  // ---------- history ----------

  async openConversation(id) {
    this.openId = id;
    const conv = this.convs.get(id);
    if (!conv) return;
    this.emit('open');
    if (!conv.loaded) await this.loadLatest(conv);
    this.markRead();
  }

  async loadLatest(conv) {
    const r = await this.api.history(conv.conversation_id, { limit: PAGE });
    conv.messages.clear();
    this.addPage(conv, r.messages);
    conv.hasMoreBefore = r.has_more;
    conv.hasMoreAfter = false;
    conv.loaded = true;
    this.emit('messages', { id: conv.conversation_id, reason: 'latest' });
  }

  async loadOlder(conv) {
    if (!conv.hasMoreBefore || conv.loadingOlder || conv.minSeq === null) return false;
    conv.loadingOlder = true;
    try {
      const r = await this.api.history(conv.conversation_id, { before_seq: conv.minSeq, limit: PAGE });
      this.addPage(conv, r.messages);
      conv.hasMoreBefore = r.has_more;
      conv.loadingOlder = false;
      this.emit('messages', { id: conv.conversation_id, reason: 'older' });
      return true;
    } finally { conv.loadingOlder = false; }
  }

  async loadNewer(conv) {
    if (!conv.hasMoreAfter || conv.loadingNewer) return false;
    conv.loadingNewer = true;
    try {
      const after = this.maxContiguous(conv);
      const r = await this.api.history(conv.conversation_id, { after_seq: after, limit: PAGE });
      this.addPage(conv, r.messages);
      conv.hasMoreAfter = r.has_more;
      conv.loadingNewer = false;
      this.emit('messages', { id: conv.conversation_id, reason: 'newer' });
      return true;
    } finally { conv.loadingNewer = false; }
  }

  /** Loads a window of history around seq (search results jump there). */
  async loadAround(conv, seq) {
    const from = Math.max(0, seq - 20);
    const r = await this.api.history(conv.conversation_id, { after_seq: from, limit: PAGE });
    conv.messages.clear();
    conv.minSeq = null;
    this.addPage(conv, r.messages);
    conv.hasMoreBefore = from > 0;
    conv.hasMoreAfter = r.has_more;
    conv.loaded = true;
    this.emit('messages', { id: conv.conversation_id, reason: 'jump', seq });
  }

  maxContiguous(conv) {
    let s = conv.minSeq === null ? 0 : conv.minSeq;
    while (conv.messages.has(s + 1)) s++;
    return s;
  }

  addPage(conv, messages) {
    for (const m of messages) {
      this.seen.add(m.message_id);
      conv.messages.set(m.seq, m);
      if (conv.minSeq === null || m.seq < conv.minSeq) conv.minSeq = m.seq;
      this.noteLast(conv, m);
    }
  }

  // ---------- frames ----------

  onFrame(f) {
    switch (f.type) {
      case 'hello':
        this.loadConversations().catch(() => {});
        this.flushOutbox();
        break;
      case 'synced':
        this.subscribePresence();
        this.markRead();
        break;
      case 'message': this.onMessage(f.message); break;
      case 'ack': this.onAck(f); break;
      case 'receipt': this.onReceipt(f); break;
      case 'typing': this.onTyping(f); break;
      case 'presence':
        this.presence.set(f.user_id, { online: f.online, last_seen: f.last_seen });
        this.emit('presence', { user: f.user_id });
        break;
      case 'conversation': this.onConversation(f); break;
      case 'error': this.onError(f); break;
      default: break;
    }
  }

  onMessage(m) {
    this.scheduleDelivered(m.conversation_id, m.seq);
    if (this.seen.has(m.message_id)) return;
    this.seen.add(m.message_id);
    const conv = this.convs.get(m.conversation_id);
    if (!conv) {
      this.refreshSoon(); // a new direct chat, or a group we were just added to
      return;
    }
    if (m.sender_id === this.me && this.outbox.has(m.client_msg_id)) {
      this.outbox.delete(m.client_msg_id);
      this.saveOutbox();
    }
    const isNew = m.seq > conv.last_seq; // older ones are already in the list's unread_count
    if (conv.loaded) {
      if (!conv.hasMoreAfter) conv.messages.set(m.seq, m);
      if (conv.minSeq === null) conv.minSeq = m.seq;
    }
    this.noteLast(conv, m);
    conv.typing.delete(m.sender_id);
    if (m.body && m.body.kind === 'system') this.refreshSoon();
    const fromOther = m.sender_id !== this.me;
    if (fromOther && m.seq > conv.last_read_seq && (isNew || this.openId === conv.conversation_id)) {
      if (this.openId === conv.conversation_id && this.visible()) {
        this.markRead();
      } else {
        conv.unread_count = (conv.unread_count || 0) + 1;
      }
    }
    this.emit('message', { id: conv.conversation_id, message: m });
    if (fromOther && m.body && m.body.kind !== 'system') {
      this.dispatchEvent(new CustomEvent('incoming', { detail: { conv, message: m } }));
    }
  }

  onAck(f) {
    const p = this.outbox.get(f.client_msg_id);
    if (!p) return;
    this.outbox.delete(f.client_msg_id);
    this.saveOutbox();
    const conv = this.convs.get(f.conversation_id);
    const m = { message_id: f.message_id, conversation_id: f.conversation_id, seq: f.seq,
      sender_id: this.me, sender_device_id: this.session.deviceId, client_msg_id: f.client_msg_id,
      ts: f.ts, body: p.body };
    this.seen.add(m.message_id);
    if (conv) {
      if (conv.loaded && !conv.hasMoreAfter) conv.messages.set(m.seq, m);
      this.noteLast(conv, m);
    } else {
      this.refreshSoon();
    }
    this.scheduleDelivered(f.conversation_id, f.seq);
    this.emit('message', { id: f.conversation_id, message: m });
  }

  onReceipt(f) {
    const conv = this.convs.get(f.conversation_id);
    if (!conv) return;
    if (f.user_id === this.me) {
      if (f.status === 'read' && f.seq > conv.last_read_seq) {
        conv.last_read_seq = f.seq;
        conv.unread_count = f.seq >= conv.last_seq ? 0 : this.countUnread(conv);
        this.emit('list');
      }
      return;
    }
    const r = conv.receipts.get(f.user_id) || { delivered: 0, read: 0 };
    r[f.status] = Math.max(r[f.status] || 0, f.seq);
    if (f.status === 'read') r.delivered = Math.max(r.delivered, f.seq);
    conv.receipts.set(f.user_id, r);
    this.emit('receipts', { id: conv.conversation_id });
  }

  countUnread(conv) {
    let n = 0;
    for (const m of conv.messages.values()) if (m.seq > conv.last_read_seq && m.sender_id !== this.me && m.body.kind !== 'system') n++;
    if (!conv.loaded) this.refreshSoon();
    return n;
  }

  onTyping(f) {
    const conv = this.convs.get(f.conversation_id);
    if (!conv || f.user_id === this.me) return;
    if (f.state === 'start') conv.typing.set(f.user_id, Date.now() + TYPING_TTL);
    else conv.typing.delete(f.user_id);
    this.emit('typing', { id: conv.conversation_id });
  }

  expireTyping() {
    const now = Date.now();
    for (const conv of this.convs.values()) {
      let changed = false;
      for (const [u, until] of conv.typing) if (until < now) { conv.typing.delete(u); changed = true; }
      if (changed) this.emit('typing', { id: conv.conversation_id });
    }
  }

  onConversation(f) {
    const c = f.conversation;
    const stillMember = (c.members || []).some((m) => m.user_id === this.me);
    if (!stillMember) {
      this.removedAt.set(c.conversation_id, performance.now());
      const had = this.convs.get(c.conversation_id);
      this.convs.delete(c.conversation_id);
      this.emit('removed', { id: c.conversation_id, title: had ? this.title(had) : c.title, event: f.event });
      this.emit('list');
      return;
    }
    this.removedAt.delete(c.conversation_id);
    this.upsertConv(c);
    this.emit('conversation', { id: c.conversation_id, event: f.event });
    this.emit('list');
    this.subscribePresence();
  }

  onError(f) {
    if (f.client_msg_id && this.outbox.has(f.client_msg_id)) {
      const p = this.outbox.get(f.client_msg_id);
      if (f.code === 'unavailable' || f.code === 'internal' || f.code === 'rate_limited') {
        setTimeout(() => this.resend(p), 2000);
      } else {
        p.status = 'failed';
        p.error = f.message || f.code;
        this.emit('message', { id: p.conversation_id });
      }
    }
    this.emit('error', { code: f.code, message: f.message, clientMsgId: f.client_msg_id });
  }

  // ---------- sending ----------

  sendBody(convId, body) {
    const p = { client_msg_id: uuid(), conversation_id: convId, body, ts: Date.now(), status: 'pending' };
    this.outbox.set(p.client_msg_id, p);
    this.saveOutbox();
    this.resend(p);
    this.sendTyping(convId, false);
    this.emit('message', { id: convId });
    return p;
  }

  resend(p) {
    if (!this.outbox.has(p.client_msg_id)) return;
    this.socket.send({ type: 'send', client_msg_id: p.client_msg_id, conversation_id: p.conversation_id, body: p.body });
  }

  retry(clientMsgId) {
    const p = this.outbox.get(clientMsgId);
    if (!p) return;
    p.status = 'pending';
    delete p.error;
    this.resend(p);
    this.emit('message', { id: p.conversation_id });
  }

  discard(clientMsgId) {
    const p = this.outbox.get(clientMsgId);
    if (!p) return;
    this.outbox.delete(clientMsgId);
    this.saveOutbox();
    this.emit('message', { id: p.conversation_id });
  }

  flushOutbox() {
    for (const p of this.outbox.values()) if (p.status !== 'failed') this.resend(p);
  }

  loadOutbox() {
    try { return JSON.parse(localStorage.getItem(this.outboxKey)) || []; } catch (_) { return []; }
  }

  saveOutbox() {
    const list = [...this.outbox.values()].map(({ client_msg_id, conversation_id, body, ts }) => ({ client_msg_id, conversation_id, body, ts }));
    localStorage.setItem(this.outboxKey, JSON.stringify(list));
  }

  pendingFor(convId) {
    return [...this.outbox.values()].filter((p) => p.conversation_id === convId).sort((a, b) => a.ts - b.ts);
  }

  uploadsFor(convId) {
    return [...this.uploads.values()].filter((u) => u.conversation_id === convId);
  }

  /** Uploads a file with progress, then sends it as a media or document message. */
  async sendFile(convId, file, caption) {
    const isMedia = /^(image|audio|video)\//.test(file.type);
    const kind = isMedia ? 'media' : 'document';
    const id = 'up-' + uuid();
    const up = { id, conversation_id: convId, file, caption, progress: 0, kind, ts: Date.now(), error: null };
    this.uploads.set(id, up);
    this.emit('message', { id: convId });
    try {
      const r = await this.api.upload(file, kind, (f) => { up.progress = f; this.emit('progress', { id: convId, upload: id }); });
      const body = isMedia ? { kind: 'media', media_id: r.media_id } : { kind: 'document', media_id: r.media_id, file_name: file.name || 'file' };
      if (isMedia && caption) body.caption = caption;
      this.uploads.delete(id);
      if (this.onUploaded) this.onUploaded(r.media_id, file);
      this.sendBody(convId, body);
    } catch (e) {
      up.error = e.message || 'upload failed';
      this.emit('message', { id: convId });
      throw e;
    }
  }

  dismissUpload(id) {
    const up = this.uploads.get(id);
    if (up) { this.uploads.delete(id); this.emit('message', { id: up.conversation_id }); }
  }

  // ---------- receipts and typing ----------

  scheduleDelivered(convId, seq) {
    const cur = this.deliverTimers.get(convId);
    if (cur) { cur.seq = Math.max(cur.seq, seq); return; }
    const entry = { seq };
    this.deliverTimers.set(convId, entry);
    setTimeout(() => {
      this.deliverTimers.delete(convId);
      this.socket.send({ type: 'delivered', conversation_id: convId, seq: entry.seq });
    }, 60);
  }

  /** Marks the open conversation read when the user can see it. */
  markRead() {
    const conv = this.openId && this.convs.get(this.openId);
    if (!conv || !this.visible() || conv.hasMoreAfter) return;
    const seq = conv.last_seq;
    if (seq > conv.last_read_seq || conv.unread_count) {
      conv.unread_count = 0;
      if (seq > conv.last_read_seq && this.socket.send({ type: 'read', conversation_id: conv.conversation_id, seq })) {
        conv.last_read_seq = seq;
      }
      this.emit('list');
    }
  }

  sendTyping(convId, typing) {
    const now = Date.now();
    if (typing) {
      if (this.typingConv === convId && now - this.typingSent < 3000) return;
      this.typingConv = convId;
      this.typingSent = now;
      this.socket.send({ type: 'typing', conversation_id: convId, state: 'start' });
    } else if (this.typingConv === convId) {
      this.typingConv = null;
      this.socket.send({ type: 'typing', conversation_id: convId, state: 'stop' });
    }
  }

  /** Tick of one of my messages: 'sent', 'delivered' or 'read' (all other members). */
  status(conv, m) {
    const others = this.others(conv);
    if (!others.length) return 'sent';
    let read = true;
    let delivered = true;
    for (const u of others) {
      const r = conv.receipts.get(u) || { delivered: 0, read: 0 };
      if (r.read < m.seq) read = false;
      if (Math.max(r.delivered, r.read) < m.seq) delivered = false;
    }
    return read ? 'read' : delivered ? 'delivered' : 'sent';
  }
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
