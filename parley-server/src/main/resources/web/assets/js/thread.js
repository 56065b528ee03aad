// The open conversation: header (title, presence / typing), the message list (keyed
// reconciliation so images and focus survive updates), history paging in both directions,
// jump-to-message, and the composer (text, typing indicator, attachments with preview).

import { $, h, icon, ICONS, avatar, fmtDay, fmtLastSeen, fmtSize, toast, announce } from './dom.js';
import { messageItem, uploadItem, updateUpload, setStatus, previewText } from './messages.js';

export class ThreadView {
  constructor(chat, app) {
    this.chat = chat;
    this.app = app;
    this.conv = null;
    this.stick = true;
    this.list = $('messages');
    this.scroller = $('scroller');
    this.input = $('composer-input');
    this.attachment = null;
    this.bind();
  }

  bind() {
    this.scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    // images change heights while loading: stay at the bottom if we were there
    this.list.addEventListener('load', () => { if (this.stick) this.toBottom(); }, true);
    $('btn-latest').addEventListener('click', () => this.jumpToLatest());
    $('btn-back').addEventListener('click', () => this.app.closeConversation());
    $('composer').addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.submit(); }
    });
    this.input.addEventListener('input', () => {
      this.autosize();
      if (!this.conv) return;
      if (this.input.value.trim()) {
        this.chat.sendTyping(this.conv.conversation_id, true);
        clearTimeout(this.typingTimer);
        this.typingTimer = setTimeout(() => this.stopTyping(), 4000);
      } else {
        this.stopTyping();
      }
    });
    this.input.addEventListener('blur', () => this.stopTyping());
    this.input.addEventListener('paste', (e) => {
      const f = [...(e.clipboardData?.files || [])][0];
      if (f) { e.preventDefault(); this.setAttachment(f); }
    });
    $('file-input').addEventListener('change', (e) => {
      const f = e.target.files[0];
      e.target.value = '';
      if (f) this.setAttachment(f);
    });
    $('attach-cancel').addEventListener('click', () => this.setAttachment(null));
    const thread = $('thread');
    thread.addEventListener('dragover', (e) => { if (this.conv) e.preventDefault(); });
    thread.addEventListener('drop', (e) => {
      if (!this.conv) return;
      e.preventDefault();
      const f = e.dataTransfer.files[0];
      if (f) this.setAttachment(f);
    });
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.conv) this.chat.sendTyping(this.conv.conversation_id, false);
  }

  autosize() {
    this.input.style.height = 'auto';
    this.input.style.height = Math.min(this.input.scrollHeight, 140) + 'px';
  }

  show(conv, { jumpSeq } = {}) {
    if (this.conv !== conv) {
      this.stopTyping();
      this.list.replaceChildren();
      this.setAttachment(null);
    }
    this.conv = conv;
    $('thread-empty').hidden = true;
    $('thread-main').hidden = false;
    this.renderHeader();
    this.render(jumpSeq ? { reason: 'jump', seq: jumpSeq } : { reason: 'open' });
  }

  clear() {
    this.stopTyping();
    this.conv = null;
    this.list.replaceChildren();
    $('thread-main').hidden = true;
    $('thread-empty').hidden = false;
  }

  renderHeader() {
    const conv = this.conv;
    if (!conv) return;
    const chat = this.chat;
    const title = chat.title(conv);
    $('thread-title').textContent = title;
    const partner = chat.directPartner(conv);
    const pres = partner ? chat.presence.get(partner) : null;
    avatar($('thread-avatar'), partner || conv.conversation_id, title, { group: conv.type === 'group', online: !!(pres && pres.online) });
    $('btn-info').hidden = conv.type !== 'group';
    const typing = [...conv.typing.keys()];
    let sub;
    if (typing.length) {
      sub = conv.type === 'direct' ? 'typing…'
        : `${typing.map((id) => chat.userName(id)).join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…`;
    } else if (partner) {
      sub = pres ? (pres.online ? 'online' : fmtLastSeen(pres.last_seen)) : '';
    } else {
      const names = (conv.members || []).map((m) => (m.user_id === chat.me ? 'You' : chat.userName(m.user_id)));
      sub = `${names.length} members · ${names.join(', ')}`;
    }
    const el = $('thread-subtitle');
    if (el.textContent !== sub) el.textContent = sub;
    el.dataset.typing = typing.length ? 'true' : 'false';
  }

  /** Items in display order: day separators, stored messages, my pending sends, uploads. */
  items() {
    const conv = this.conv;
    const chat = this.chat;
    const out = [];
    const msgs = [...conv.messages.values()].sort((a, b) => a.seq - b.seq);
    let day = null;
    let prev = null;
    const addDay = (ts) => {
      const d = fmtDay(ts);
      if (d !== day) { day = d; out.push({ key: 'day-' + d, create: () => h('li', { class: 'day', role: 'separator' }, d) }); prev = null; }
    };
    for (const m of msgs) {
      addDay(m.ts);
      const mine = m.sender_id === chat.me;
      const isSys = m.body && m.body.kind === 'system';
      const cont = prev && !isSys && prev.sender_id === m.sender_id && m.ts - prev.ts < 5 * 60000;
      const showSender = conv.type === 'group' && !cont;
      const key = mine && m.client_msg_id ? 'c-' + m.client_msg_id : 'm-' + m.message_id;
      const status = mine ? chat.status(conv, m) : null;
      out.push({
        key,
        create: () => messageItem(chat, conv, m, { mine, status, showSender, cont }),
        update: (el) => {
          el.dataset.seq = m.seq;
          el.dataset.messageId = m.message_id;
          if (mine && !isSys) setStatus(chat, el, status, m);
        },
      });
      prev = isSys ? null : m;
    }
    for (const p of chat.pendingFor(conv.conversation_id)) {
      addDay(p.ts);
      const m = { ...p, sender_id: chat.me };
      const status = p.status === 'failed' ? 'failed' : 'pending';
      out.push({ key: 'c-' + p.client_msg_id, create: () => messageItem(chat, conv, m, { mine: true, status }), update: (el) => setStatus(chat, el, status, m) });
    }
    for (const up of chat.uploadsFor(conv.conversation_id)) {
      out.push({ key: 'u-' + up.id + (up.error ? '-err' : ''), create: () => uploadItem(chat, up), update: (el) => updateUpload(el, up) });
    }
    return out;
  }

  render({ reason, seq } = {}) {
    if (!this.conv) return;
    const sc = this.scroller;
    const prevHeight = sc.scrollHeight;
    const prevTop = sc.scrollTop;
    const existing = new Map();
    for (const el of this.list.children) existing.set(el.dataset.key, el);
    let prev = null;
    for (const it of this.items()) {
      let el = existing.get(it.key);
      if (el) { existing.delete(it.key); if (it.update) it.update(el); } else { el = it.create(); el.dataset.key = it.key; }
      const want = prev ? prev.nextSibling : this.list.firstChild;
      if (want !== el) this.list.insertBefore(el, want);
      prev = el;
    }
    for (const el of existing.values()) el.remove();
    const conv = this.conv;
    $('history-status').textContent = conv.loadingOlder ? 'Loading older messages…'
      : !conv.loaded ? 'Loading…' : conv.hasMoreBefore ? '' : 'Beginning of the conversation';
    if (reason === 'older') {
      sc.scrollTop = prevTop + (sc.scrollHeight - prevHeight);
    } else if (reason === 'jump' && seq) {
      this.flash(seq);
    } else if (reason === 'open' || reason === 'latest' || reason === 'mine' || this.stick) {
      this.toBottom();
    }
    this.updateLatestButton();
  }

  flash(seq) {
    const el = this.list.querySelector(`[data-seq="${seq}"]`);
    if (!el) return;
    this.stick = false;
    el.scrollIntoView({ block: 'center' });
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
    el.focus({ preventScroll: true });
  }

  toBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.stick = true;
  }

  atBottom() {
    const sc = this.scroller;
    return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 60;
  }

  updateLatestButton() {
    $('btn-latest').hidden = this.atBottom() && !(this.conv && this.conv.hasMoreAfter);
  }

  async onScroll() {
    const conv = this.conv;
    if (!conv) return;
    this.stick = this.atBottom() && !conv.hasMoreAfter;
    this.updateLatestButton();
    try {
      if (this.scroller.scrollTop < 150 && conv.hasMoreBefore && !conv.loadingOlder) {
        $('history-status').textContent = 'Loading older messages…';
        await this.chat.loadOlder(conv);
      } else if (this.atBottom() && conv.hasMoreAfter && !conv.loadingNewer) {
        await this.chat.loadNewer(conv);
        if (!conv.hasMoreAfter) this.chat.markRead();
      } else if (this.stick) {
        this.chat.markRead();
      }
    } catch (e) {
      toast('Could not load messages: ' + e.message);
    }
  }

  async jumpToLatest() {
    const conv = this.conv;
    if (conv.hasMoreAfter) {
      await this.chat.loadLatest(conv);
    }
    this.toBottom();
    this.updateLatestButton();
    this.chat.markRead();
  }

  setAttachment(file) {
    const tray = $('attach-tray');
    const prevUrl = this.attachment && this.attachment.url;
    if (prevUrl) URL.revokeObjectURL(prevUrl);
    this.attachment = null;
    if (!file) { tray.hidden = true; $('attach-preview').replaceChildren(); this.input.placeholder = 'Type a message'; return; }
    const isImage = file.type.startsWith('image/');
    this.attachment = { file, url: isImage ? URL.createObjectURL(file) : null };
    $('attach-preview').replaceChildren(isImage
      ? h('img', { src: this.attachment.url, alt: `Preview of ${file.name}` })
      : h('span', { class: 'doc-icon', 'aria-hidden': 'true' }, icon(ICONS.doc)));
    $('attach-name').textContent = file.name;
    $('attach-size').textContent = `${fmtSize(file.size)} · ${isImage ? 'photo' : 'document'}`;
    tray.hidden = false;
    this.input.placeholder = isImage ? 'Add a caption' : 'Add a message';
    this.input.focus();
  }

  submit() {
    const conv = this.conv;
    if (!conv) return;
    const text = this.input.value.trim();
    const att = this.attachment;
    if (!text && !att) return;
    this.input.value = '';
    this.autosize();
    this.stopTyping();
    if (att) {
      this.setAttachment(null);
      const isImage = att.file.type.startsWith('image/');
      this.chat.sendFile(conv.conversation_id, att.file, isImage ? text : null)
        .then(() => announce(`${att.file.name} sent`))
        .catch((e) => toast(`Upload failed: ${e.message}`));
      if (!isImage && text) this.chat.sendBody(conv.conversation_id, { kind: 'text', text });
    } else {
      this.chat.sendBody(conv.conversation_id, { kind: 'text', text });
    }
    this.render({ reason: 'mine' });
  }

  onChange(d) {
    if (!this.conv) return;
    const id = this.conv.conversation_id;
    if (d.what === 'users' || d.what === 'presence' || d.what === 'conversation') this.renderHeader();
    if (d.what === 'typing' && d.id === id) this.renderHeader();
    if (d.what === 'users') this.refreshNames();
    if (d.id !== id) return;
    if (d.what === 'progress') {
      const el = this.list.querySelector(`[data-upload="${d.upload}"]`);
      const up = this.chat.uploads.get(d.upload);
      if (el && up) updateUpload(el, up);
      return;
    }
    if (['messages', 'message', 'receipts'].includes(d.what)) {
      const mineNew = d.what === 'message' && d.message && d.message.sender_id === this.chat.me;
      this.render({ reason: d.reason || (mineNew ? 'mine' : undefined), seq: d.seq });
      if (d.what === 'message' && d.message && d.message.sender_id !== this.chat.me && document.visibilityState === 'visible') {
        announce(`${this.chat.userName(d.message.sender_id)}: ${previewText(this.chat, d.message)}`);
      }
    }
  }

  /** Names arrive after the first render: patch sender labels in place. */
  refreshNames() {
    for (const el of this.list.querySelectorAll('.sender')) {
      const li = el.closest('li');
      const m = this.conv.messages.get(Number(li.dataset.seq));
      if (m) el.textContent = this.chat.userName(m.sender_id);
    }
    for (const el of this.list.querySelectorAll('li.sys')) {
      const m = this.conv.messages.get(Number(el.dataset.seq));
      if (m) el.textContent = previewText(this.chat, m);
    }
  }
}
