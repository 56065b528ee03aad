// One message as DOM: bubble, sender, text / image / document, time and tick; plus the
// short text of a message for the conversation list, notifications and screen readers.

import { h, icon, ICONS, hashClass, fmtTime, fmtSize, $ } from './dom.js';

export function systemText(chat, m) {
  const b = m.body;
  const actor = b.actor_id === chat.me ? 'You' : chat.userName(b.actor_id || m.sender_id);
  const users = (b.user_ids || []).map((id) => (id === chat.me ? 'you' : chat.userName(id))).join(', ');
  switch (b.event) {
    case 'created': return `${actor} created the group “${b.title || ''}”`;
    case 'renamed': return `${actor} renamed the group to “${b.title || ''}”`;
    case 'member_added': return `${actor} added ${users}`;
    case 'member_removed': return `${actor} removed ${users}`;
    case 'member_left': return `${users ? users.charAt(0).toUpperCase() + users.slice(1) : actor} left`;
    case 'role_changed': return `${actor} made ${users} ${b.role === 'admin' ? 'an admin' : 'a member'}`;
    default: return 'Unsupported group event';
  }
}

export function previewText(chat, m) {
  const b = m.body || {};
  switch (b.kind) {
    case 'text': return b.text;
    case 'media': return b.caption ? `Photo: ${b.caption}` : 'Photo';
    case 'document': return `Document: ${b.file_name || 'file'}`;
    case 'encrypted': return 'Encrypted message';
    case 'system': return systemText(chat, m);
    default: return 'Unsupported message';
  }
}

const STATUS_LABEL = { pending: 'Sending', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not sent' };

export function tick(status) {
  const path = status === 'pending' ? ICONS.clock : status === 'sent' ? ICONS.tick : status === 'failed' ? null : ICONS.ticks;
  const el = h('span', { class: 'tick', role: 'img', 'aria-label': STATUS_LABEL[status] || status });
  if (path) el.append(icon(path, '0 0 23 13'));
  else el.textContent = '!';
  return el;
}

/** Media object URLs, one fetch per media id for the page's lifetime. */
const mediaUrls = new Map();
function mediaUrl(chat, mediaId) {
  if (!mediaUrls.has(mediaId)) {
    const p = chat.api.mediaBlob(mediaId).then((blob) => ({ url: URL.createObjectURL(blob), type: blob.type, size: blob.size }));
    p.catch(() => mediaUrls.delete(mediaId));
    mediaUrls.set(mediaId, p);
  }
  return mediaUrls.get(mediaId);
}

export function rememberLocalMedia(mediaId, file) {
  mediaUrls.set(mediaId, Promise.resolve({ url: URL.createObjectURL(file), type: file.type, size: file.size }));
}

function mediaBody(chat, b) {
  const holder = h('div', { class: 'media-loading', role: 'img', 'aria-label': 'Loading image' });
  mediaUrl(chat, b.media_id).then(({ url, type, size }) => {
    if (type.startsWith('image/')) {
      const img = h('img', { src: url, alt: b.caption ? `Photo: ${b.caption}` : 'Photo', class: 'media-image' });
      const btn = h('button', { type: 'button', class: 'media-img', 'aria-label': 'Open photo' + (b.caption ? `: ${b.caption}` : '') }, img);
      btn.addEventListener('click', () => { $('lightbox-img').src = url; $('lightbox-img').alt = img.alt; $('dlg-image').showModal(); });
      holder.replaceWith(btn);
    } else {
      holder.replaceWith(docCard(b.caption || 'Media file', url, fmtSize(size), b.caption || 'media'));
    }
  }, (e) => {
    holder.className = 'doc';
    holder.setAttribute('aria-label', 'Image unavailable');
    holder.textContent = `Image unavailable (${e.code || e.message})`;
  });
  return holder;
}

function docCard(name, url, sizeText, fileName) {
  const a = h('a', { class: 'doc', href: url, download: fileName || name, 'aria-label': `Download ${name}` },
    h('span', { class: 'doc-icon' }, icon(ICONS.doc)),
    h('span', null, h('span', { class: 'doc-name' }, name), h('br'), h('span', { class: 'small muted' }, sizeText || 'Document')));
  return a;
}

function documentBody(chat, b) {
  const btn = h('button', { type: 'button', class: 'doc', 'aria-label': `Download ${b.file_name}` },
    h('span', { class: 'doc-icon' }, icon(ICONS.doc)),
    h('span', null, h('span', { class: 'doc-name' }, b.file_name), h('br'), h('span', { class: 'small muted' }, 'Document · click to download')));
  btn.addEventListener('click', async () => {
    try {
      const { url } = await mediaUrl(chat, b.media_id);
      const a = h('a', { href: url, download: b.file_name });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      btn.querySelector('.small').textContent = `Download failed: ${e.message}`;
    }
  });
  return btn;
}

function content(chat, m) {
  const b = m.body || {};
  switch (b.kind) {
    case 'text': return [h('div', { class: 'text' }, b.text)];
    case 'media': return [mediaBody(chat, b), b.caption ? h('div', { class: 'text' }, b.caption) : null];
    case 'document': return [documentBody(chat, b)];
    case 'encrypted': return [h('div', { class: 'text muted' }, 'Encrypted message (not readable on the web)')];
    default: return [h('div', { class: 'text muted' }, 'Unsupported message')];
  }
}

/**
 * A message list item. `m` is a stored message or a pending send (no seq yet); `status` is the
 * tick for my own messages. `showSender` for the first of a run in a group.
 */
export function messageItem(chat, conv, m, { mine, status, showSender, cont }) {
  if (m.body && m.body.kind === 'system') {
    return h('li', { class: 'sys', dataset: seqData(m) }, systemText(chat, m));
  }
  const senderName = chat.userName(m.sender_id || chat.me);
  const li = h('li', {
    class: ['msg', mine ? 'mine' : 'theirs', cont && 'cont'].filter(Boolean).join(' '),
    dataset: seqData(m),
    tabindex: '-1',
  });
  const label = h('span', { class: 'sr-only' }, `${mine ? 'You' : senderName}: `);
  const bubble = h('div', { class: 'bubble' }, label);
  if (showSender && !mine) bubble.append(h('div', { class: ['sender', hashClass(m.sender_id)].join(' '), 'aria-hidden': 'true' }, senderName));
  bubble.append(...content(chat, m).filter(Boolean));
  const meta = h('div', { class: 'meta' }, h('time', { datetime: new Date(m.ts).toISOString() }, fmtTime(m.ts)));
  bubble.append(meta);
  li.append(bubble);
  if (mine) setStatus(chat, li, status, m);
  return li;
}

function seqData(m) {
  const d = {};
  if (m.seq !== undefined) d.seq = m.seq;
  if (m.message_id) d.messageId = m.message_id;
  if (m.client_msg_id) d.clientMsgId = m.client_msg_id;
  return d;
}

export function setStatus(chat, li, status, m) {
  if (li.dataset.status === status) return;
  li.dataset.status = status;
  const meta = li.querySelector('.meta');
  meta.querySelector('.tick')?.remove();
  meta.querySelector('.retry')?.remove();
  meta.append(tick(status));
  if (status === 'failed') {
    meta.append(h('button', { type: 'button', class: 'retry', onclick: () => chat.retry(m.client_msg_id) }, 'Retry'));
  }
}

/** An upload in progress: local preview, progress bar, or the error with a dismiss button. */
export function uploadItem(chat, up) {
  const li = h('li', { class: 'msg mine upload', dataset: { upload: up.id } });
  const bubble = h('div', { class: 'bubble' });
  if (up.file.type.startsWith('image/')) {
    if (!up.previewUrl) up.previewUrl = URL.createObjectURL(up.file);
    bubble.append(h('span', { class: 'media-img' }, h('img', { src: up.previewUrl, alt: `Uploading ${up.file.name}` })));
  } else {
    bubble.append(h('div', { class: 'doc' }, h('span', { class: 'doc-icon' }, icon(ICONS.doc)),
      h('span', null, h('span', { class: 'doc-name' }, up.file.name), h('br'), h('span', { class: 'small' }, fmtSize(up.file.size)))));
  }
  if (up.caption) bubble.append(h('div', { class: 'text' }, up.caption));
  const bar = h('progress', { max: '100', value: String(Math.round(up.progress * 100)), 'aria-label': `Uploading ${up.file.name}` });
  bubble.append(bar);
  const meta = h('div', { class: 'meta' });
  if (up.error) {
    meta.append(`Upload failed: ${up.error} `, h('button', { type: 'button', class: 'retry', onclick: () => chat.dismissUpload(up.id) }, 'Dismiss'));
  } else {
    meta.append(h('span', { class: 'pct' }, `${Math.round(up.progress * 100)}%`), tick('pending'));
  }
  bubble.append(meta);
  li.append(bubble);
  return li;
}

export function updateUpload(li, up) {
  const bar = li.querySelector('progress');
  if (bar) bar.value = Math.round(up.progress * 100);
  const pct = li.querySelector('.pct');
  if (pct) pct.textContent = `${Math.round(up.progress * 100)}%`;
}
