// The shared notes panel (C5) in the room and the backstage: a text everyone edits at once
// (notes_doc.js keeps it in step with the server), read-only while locked for those who may
// not manage the notes, a Lock / Unlock switch for those who may, and a download of the text
// (.md or .txt) made from the converged copy in the page. Attendees have no notes (welcome
// `notes` is null): the button stays hidden.
//
// Mounted once per connection: mountNotes(conn, meeting) (room/meeting.js).

import { announce } from './room/announce.js';
import { h } from './room/dom.js';
import { addBundles, bind, t } from './room/i18n.js';
import { NotesDoc } from './notes_doc.js';

addBundles('notes');

const MANAGERS = new Set(['owner', 'manager', 'moderator']);
const ICON = '<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M6 3h9l4 4v14H6z"/><path d="M9 10h7M9 14h7M9 18h4"/></svg>';

function loadStyles() {
  if (document.querySelector('link[href="/static/css/notes.css"]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/notes.css' }));
}

/** Saves `text` as a file named `name` (a download made in the page). */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The panel and its toolbar button; `meeting` gives the toolbar and the panels. */
export function mountNotes(conn, meeting) {
  loadStyles();
  const iconEl = h('span', { class: 'icon' });
  iconEl.innerHTML = ICON; // a constant, no user text
  const button = h('button', { type: 'button', class: 'round-button notes-button', hidden: true }, iconEl);
  bind(button, { label: 'notes' });
  meeting.controls.chat.after(button);

  const status = h('p', { class: 'notes-status', role: 'status' });
  const textarea = h('textarea', { class: 'notes-text', spellcheck: 'true', rows: '16' });
  bind(textarea, { label: 'notes_text' });
  const lock = bind(h('button', { type: 'button', class: 'notes-lock', hidden: true }), { text: 'notes_lock' });
  const saveMd = bind(h('button', { type: 'button', class: 'notes-save' }), { text: 'notes_download_md' });
  const saveTxt = bind(h('button', { type: 'button', class: 'notes-save' }), { text: 'notes_download_txt' });
  const content = h('div', { class: 'notes-panel' }, status, textarea,
    h('div', { class: 'notes-actions' }, lock, saveMd, saveTxt));
  meeting.panels.add('notes', { title: 'notes', content, button, onOpen: () => textarea.focus() });

  const doc = new NotesDoc(textarea, (m) => conn.send(m));
  let role = null;
  let locked = false;
  let canEdit = false;

  function show() {
    textarea.readOnly = !canEdit;
    status.textContent = locked ? t(canEdit ? 'notes_locked_you_edit' : 'notes_locked') : '';
    status.hidden = !locked;
    lock.hidden = !MANAGERS.has(role);
    bind(lock, { text: locked ? 'notes_unlock' : 'notes_lock' });
  }
  function setNotes(notes) {
    locked = !!notes.locked;
    canEdit = !!notes.can_edit;
    show();
  }
  const fileName = (ext) => `${t('notes_file')}-${meeting.opts.slug || 'room'}.${ext}`;

  lock.addEventListener('click', () => conn.send({ type: 'set_notes_locked', locked: !locked }));
  saveMd.addEventListener('click', () => download(fileName('md'), doc.text(), 'text/markdown;charset=utf-8'));
  saveTxt.addEventListener('click', () => download(fileName('txt'), doc.text(), 'text/plain;charset=utf-8'));

  conn.addEventListener('welcome', (e) => {
    role = e.detail.role;
    const notes = e.detail.notes;
    button.hidden = !notes;
    if (!notes) return;
    doc.welcome(notes);
    setNotes(notes);
  });
  conn.addEventListener('participant_updated', (e) => {
    if (e.detail?.participant?.id === conn.participantId) {
      role = e.detail.participant.role;
      show();
    }
  });
  conn.addEventListener('notes_update', (e) => doc.update(e.detail.update));
  conn.addEventListener('notes_state', (e) => {
    const was = locked;
    doc.replace(e.detail.notes);
    setNotes(e.detail.notes);
    if (was !== locked) {
      const by = e.detail.by || '?';
      announce(t(locked ? 'notes_locked_by' : 'notes_unlocked_by', { name: by }));
    }
  });
  conn.addEventListener('server_error', (e) => {
    const request = e.detail?.request;
    if (request !== 'notes_update' && request !== 'set_notes_locked') return;
    const key = { notes_locked: 'notes_error_locked', message_too_large: 'notes_error_too_large' }[e.detail.code]
      || 'notes_error';
    announce(t(key));
    status.hidden = false;
    status.textContent = t(key);
  });
  // A role change (made moderator) arrives as participant_updated; a new welcome rebuilds all.
  return { button, textarea, doc };
}
