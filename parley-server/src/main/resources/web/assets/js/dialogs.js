// Dialogs: start a direct chat by username, create a group, and group info (rename, add and
// remove members, change roles, leave). Native <dialog>: focus trap and Escape built in.

import { $, h, avatar, toast } from './dom.js';

function closers(dlg) {
  for (const b of dlg.querySelectorAll('[data-close]')) b.addEventListener('click', () => dlg.close());
}

async function resolveUsers(api, names) {
  const ids = [];
  for (const n of names) {
    try {
      ids.push((await api.userByName(n)).user_id);
    } catch (e) {
      throw new Error(e.status === 404 ? `No user named “${n}”` : e.message);
    }
  }
  return ids;
}

export class Dialogs {
  constructor(chat, app) {
    this.chat = chat;
    this.api = chat.api;
    this.app = app;
    this.groupId = null;
    for (const d of document.querySelectorAll('dialog')) closers(d);
    $('btn-new-chat').addEventListener('click', () => this.open('dlg-new-chat', 'new-chat-username'));
    $('btn-new-group').addEventListener('click', () => this.open('dlg-new-group', 'new-group-name'));
    $('btn-info').addEventListener('click', () => this.openGroup(this.chat.openId));
    $('form-new-chat').addEventListener('submit', (e) => { e.preventDefault(); this.newChat(); });
    $('form-new-group').addEventListener('submit', (e) => { e.preventDefault(); this.newGroup(); });
    $('form-rename').addEventListener('submit', (e) => { e.preventDefault(); this.rename(); });
    $('form-add-member').addEventListener('submit', (e) => { e.preventDefault(); this.addMember(); });
    $('btn-leave').addEventListener('click', () => this.leave());
    $('dlg-group').addEventListener('close', () => { this.groupId = null; });
  }

  open(id, focusId) {
    const dlg = $(id);
    for (const f of dlg.querySelectorAll('form')) f.reset();
    for (const e of dlg.querySelectorAll('.form-error')) e.textContent = '';
    dlg.showModal();
    $(focusId).focus();
  }

  async busy(button, errorEl, fn) {
    button.disabled = true;
    errorEl.textContent = '';
    try {
      await fn();
    } catch (e) {
      errorEl.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  }

  newChat() {
    const name = $('new-chat-username').value.trim();
    if (!name) return;
    this.busy($('new-chat-submit'), $('new-chat-error'), async () => {
      if (name === this.chat.session.username) throw new Error('That is you. Pick someone else.');
      const [id] = await resolveUsers(this.api, [name]);
      const c = await this.api.direct(id);
      this.chat.upsertConv(c);
      this.chat.subscribePresence();
      $('dlg-new-chat').close();
      await this.app.openConversation(c.conversation_id);
    });
  }

  newGroup() {
    const name = $('new-group-name').value.trim();
    const names = $('new-group-members').value.split(/[\s,;]+/).map((s) => s.trim().replace(/^@/, '')).filter(Boolean);
    if (!name) { $('new-group-error').textContent = 'Give the group a name.'; return; }
    this.busy($('new-group-submit'), $('new-group-error'), async () => {
      const ids = await resolveUsers(this.api, [...new Set(names)].filter((n) => n !== this.chat.session.username));
      const g = await this.api.post('/v1/groups', { name, member_ids: ids });
      this.chat.upsertConv(g);
      $('dlg-new-group').close();
      await this.app.openConversation(g.conversation_id);
    });
  }

  async openGroup(id) {
    if (!id) return;
    this.groupId = id;
    $('group-error').textContent = '';
    $('form-add-member').reset();
    $('dlg-group').showModal();
    await this.refreshGroup();
  }

  async refreshGroup() {
    const id = this.groupId;
    if (!id) return;
    let g;
    try {
      g = await this.api.get('/v1/groups/' + id);
    } catch (e) {
      $('group-error').textContent = e.message;
      return;
    }
    if (id !== this.groupId) return;
    this.chat.upsertConv(g);
    this.renderGroup(g);
  }

  renderGroup(g) {
    const chat = this.chat;
    const myRole = (g.members.find((m) => m.user_id === chat.me) || {}).role;
    const canManage = myRole === 'owner' || myRole === 'admin';
    $('dlg-group-title').textContent = g.name;
    const nameInput = $('group-name');
    if (document.activeElement !== nameInput) nameInput.value = g.name;
    nameInput.disabled = !canManage;
    $('form-rename').querySelector('button').disabled = !canManage;
    $('form-add-member').hidden = !canManage;
    const order = { owner: 0, admin: 1, member: 2 };
    const members = [...g.members].sort((a, b) => order[a.role] - order[b.role]);
    $('group-members').replaceChildren(...members.map((m) => {
      const name = m.user_id === chat.me ? `${chat.userName(m.user_id)} (you)` : chat.userName(m.user_id);
      const actions = [];
      if (canManage && m.user_id !== chat.me && m.role !== 'owner') {
        const to = m.role === 'admin' ? 'member' : 'admin';
        actions.push(h('button', { type: 'button', class: 'btn', 'aria-label': `Make ${name} ${to === 'admin' ? 'an admin' : 'a member'}`,
          onclick: () => this.act(() => this.api.put(`/v1/groups/${g.conversation_id}/members/${m.user_id}/role`, { role: to })) },
        to === 'admin' ? 'Make admin' : 'Make member'));
        actions.push(h('button', { type: 'button', class: 'btn danger', 'aria-label': `Remove ${name}`,
          onclick: () => this.act(() => this.api.del(`/v1/groups/${g.conversation_id}/members/${m.user_id}`)) }, 'Remove'));
      }
      return h('li', { class: 'member', dataset: { userId: m.user_id, role: m.role } },
        avatar(h('span', { 'aria-hidden': 'true' }), m.user_id, chat.userName(m.user_id), { small: true }),
        h('span', { class: 'member-name' }, h('span', null, name), h('span', { class: 'role' }, m.role)),
        ...actions);
    }));
  }

  async act(fn) {
    $('group-error').textContent = '';
    try {
      await fn();
      await this.refreshGroup();
    } catch (e) {
      $('group-error').textContent = e.message;
    }
  }

  rename() {
    const name = $('group-name').value.trim();
    if (!name) return;
    this.act(() => this.api.patch('/v1/groups/' + this.groupId, { name }));
  }

  addMember() {
    const name = $('add-member-username').value.trim().replace(/^@/, '');
    if (!name) return;
    this.act(async () => {
      const [id] = await resolveUsers(this.api, [name]);
      await this.api.post(`/v1/groups/${this.groupId}/members`, { user_ids: [id] });
      $('add-member-username').value = '';
    });
  }

  async leave() {
    const id = this.groupId;
    if (!id) return;
    const conv = this.chat.convs.get(id);
    if (!window.confirm(`Leave ${conv ? this.chat.title(conv) : 'this group'}?`)) return;
    try {
      await this.api.post(`/v1/groups/${id}/leave`);
      $('dlg-group').close();
      this.chat.convs.delete(id);
      this.app.closeConversation();
      this.chat.emit('list');
      toast('You left the group');
    } catch (e) {
      $('group-error').textContent = e.message;
    }
  }

  /** Live updates of the open group dialog. */
  onChange(d) {
    if (this.groupId && (d.what === 'conversation' || d.what === 'users') && (!d.id || d.id === this.groupId)) {
      const conv = this.chat.convs.get(this.groupId);
      if (conv) this.renderGroup({ conversation_id: conv.conversation_id, name: conv.title, members: conv.members });
    }
    if (this.groupId && d.what === 'removed' && d.id === this.groupId) $('dlg-group').close();
  }
}
