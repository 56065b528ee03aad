// The conversation list (unread badges, last message, typing, presence dots) and message
// search with jump-to-message.

import { $, h, avatar, fmtListTime, highlight, toast } from './dom.js';
import { previewText } from './messages.js';

export class Sidebar {
  constructor(chat, app) {
    this.chat = chat;
    this.app = app;
    this.query = '';
    this.cursor = null;
    this.bind();
  }

  bind() {
    const input = $('search-input');
    $('search-form').addEventListener('submit', (e) => { e.preventDefault(); this.search(input.value.trim()); });
    input.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      const q = input.value.trim();
      if (!q) { this.closeSearch(); return; }
      if (q.length >= 2) this.searchTimer = setTimeout(() => this.search(q), 300);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { input.value = ''; this.closeSearch(); }
      if (e.key === 'ArrowDown') { e.preventDefault(); document.querySelector('.lists button.conv:not([hidden])')?.focus(); }
    });
    $('search-more').addEventListener('click', () => this.search(this.query, this.cursor));
    // arrow keys move between conversations / results
    document.querySelector('.lists').addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      const items = [...document.querySelectorAll('.lists ul:not([hidden]) button.conv')].filter((b) => b.offsetParent);
      const i = items.indexOf(document.activeElement);
      if (i < 0) return;
      e.preventDefault();
      items[Math.max(0, Math.min(items.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))].focus();
    });
  }

  render() {
    const chat = this.chat;
    const list = $('conv-list');
    const focusedId = document.activeElement?.closest?.('#conv-list button.conv')?.dataset.conversationId;
    const convs = chat.sortedConvs();
    list.replaceChildren(...convs.map((c) => this.item(c)));
    $('conv-empty').hidden = convs.length > 0 || !$('search-results').hidden;
    if (focusedId) list.querySelector(`button[data-conversation-id="${focusedId}"]`)?.focus();
    this.updateTitle();
  }

  item(conv) {
    const chat = this.chat;
    const title = chat.title(conv);
    const partner = chat.directPartner(conv);
    const pres = partner ? chat.presence.get(partner) : null;
    const pending = chat.pendingFor(conv.conversation_id);
    const last = pending.length ? { ...pending[pending.length - 1], sender_id: chat.me } : conv.last_message;
    const typing = [...conv.typing.keys()];
    let lastText = '';
    if (typing.length) {
      lastText = conv.type === 'direct' ? 'typing…' : `${chat.userName(typing[0])} is typing…`;
    } else if (last) {
      const prefix = last.body.kind === 'system' ? '' : last.sender_id === chat.me ? 'You: '
        : conv.type === 'group' ? `${chat.userName(last.sender_id)}: ` : '';
      lastText = prefix + previewText(chat, last);
    }
    const unread = conv.unread_count || 0;
    const current = chat.openId === conv.conversation_id;
    const label = [title, unread ? `${unread} unread` : null, pres && pres.online ? 'online' : null].filter(Boolean).join(', ');
    const btn = h('button', {
      type: 'button',
      class: 'conv' + (unread ? ' unread' : ''),
      'aria-current': current ? 'true' : null,
      'aria-label': label,
      dataset: { conversationId: conv.conversation_id },
      onclick: () => this.app.openConversation(conv.conversation_id),
    },
    avatar(h('span', { 'aria-hidden': 'true' }), partner || conv.conversation_id, title, { group: conv.type === 'group', online: !!(pres && pres.online) }),
    h('span', { class: 'conv-body' },
      h('span', { class: 'conv-row' },
        h('span', { class: 'conv-title' }, title),
        last ? h('span', { class: 'conv-time' }, fmtListTime(last.ts)) : null),
      h('span', { class: 'conv-row' },
        h('span', { class: 'conv-last' + (typing.length ? ' typing' : '') }, lastText),
        unread ? h('span', { class: 'badge', 'aria-hidden': 'true' }, unread > 99 ? '99+' : String(unread)) : null)));
    return h('li', null, btn);
  }

  updateTitle() {
    const n = this.chat.totalUnread();
    const t = n ? `(${n}) Parley` : 'Parley';
    if (document.title !== t) document.title = t;
  }

  // ---------- search ----------

  closeSearch() {
    this.query = '';
    this.cursor = null;
    $('search-results').hidden = true;
    $('conv-list').hidden = false;
    $('conv-empty').hidden = this.chat.convs.size > 0;
  }

  async search(q, cursor) {
    if (!q) { this.closeSearch(); return; }
    this.query = q;
    $('conv-list').hidden = true;
    $('conv-empty').hidden = true;
    $('search-results').hidden = false;
    const status = $('search-status');
    const list = $('search-list');
    if (!cursor) { list.replaceChildren(); status.textContent = 'Searching…'; }
    let r;
    try {
      r = await this.chat.api.search(q, cursor);
    } catch (e) {
      status.textContent = e.status === 404 && e.message === 'no such endpoint'
        ? 'Search is not available on this server.' : `Search failed: ${e.message}`;
      return;
    }
    if (q !== this.query) return; // a newer search started meanwhile
    list.append(...r.results.map((res) => this.resultItem(res)));
    const n = list.children.length;
    status.textContent = n ? `${n}${r.next_cursor ? '+' : ''} result${n === 1 ? '' : 's'} for “${q}”` : `No messages match “${q}”.`;
    this.cursor = r.next_cursor || null;
    $('search-more').hidden = !this.cursor;
  }

  resultItem(res) {
    const chat = this.chat;
    const m = res.message;
    const convId = res.conversation_id || m.conversation_id;
    const conv = chat.convs.get(convId);
    const title = conv ? chat.title(conv) : 'Conversation';
    const who = m.sender_id === chat.me ? 'You' : chat.userName(m.sender_id);
    const text = m.body.kind === 'text' ? m.body.text : previewText(chat, m);
    const snippet = highlight(h('span', { class: 'conv-last' }), `${who}: ${text}`, this.query);
    const btn = h('button', {
      type: 'button',
      class: 'conv result',
      dataset: { conversationId: convId, seq: m.seq },
      'aria-label': `${title}, ${who}: ${text}`,
      onclick: () => this.app.openConversation(convId, { jumpSeq: m.seq }).catch((e) => toast(e.message)),
    },
    avatar(h('span', { 'aria-hidden': 'true' }), conv ? (chat.directPartner(conv) || convId) : convId, title, { group: conv && conv.type === 'group', small: true }),
    h('span', { class: 'conv-body' },
      h('span', { class: 'conv-row' }, h('span', { class: 'conv-title' }, title), h('span', { class: 'conv-time' }, fmtListTime(m.ts))),
      h('span', { class: 'conv-row' }, snippet)));
    return h('li', null, btn);
  }
}
