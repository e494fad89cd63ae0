// The shared notes' document in the browser: a Yjs Doc (web/vendor/yjs.js) with one text,
// "notes", kept in step with a <textarea>, and the protocol's side of it (docs/protocol.md,
// "Shared notes"). Yjs merges; this module never does. Knows no page layout: notes.js does.
//
// - Local typing: each `input` event becomes the smallest delete + insert on the Y.Text (the
//   common prefix and suffix of the old and new value are kept), so concurrent typing in the
//   same line merges character by character. Updates are batched (BATCH_MS) and sent as one
//   merged `notes_update`.
// - Remote updates: applied to the Doc; the textarea is rewritten with the caret kept through
//   Yjs relative positions.
// - `welcome`: the server's state is merged into our Doc, and what the server lacks (typed
//   while disconnected) is sent back. `notes_state` (after a refusal, or a lock change)
//   replaces the Doc: a refused edit is dropped.

import * as Y from '../vendor/yjs.js';

export const BATCH_MS = 100;

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** The smallest edit turning `before` into `after`: {at, remove, insert}. */
export function diff(before, after) {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  let end = 0;
  while (end < max - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { at: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) };
}

export class NotesDoc {
  /**
   * @param {HTMLTextAreaElement} textarea
   * @param {(message: object) => void} send sends one client message
   */
  constructor(textarea, send) {
    this.textarea = textarea;
    this.send = send;
    this.pending = [];
    this.timer = null;
    this.last = '';
    this.textarea.addEventListener('input', () => this._onInput());
    this._reset(null);
  }

  /** The document's text (the converged notes). */
  text() {
    return this.ytext.toString();
  }

  _reset(state) {
    this.doc?.destroy();
    this.pending = [];
    clearTimeout(this.timer);
    this.timer = null;
    this.doc = new Y.Doc();
    this.ytext = this.doc.getText('notes');
    if (state) Y.applyUpdate(this.doc, state, 'server');
    this.doc.on('update', (update, origin) => {
      if (origin === 'local') this._queue(update);
    });
    this._render(null);
  }

  /** `welcome`: merge the server's notes with ours and send what it lacks. */
  welcome(notes) {
    const state = fromBase64(notes.state);
    if (!this.doc || this.ytext.length === 0) {
      this._reset(state);
      return;
    }
    this._remote(state);
    const missing = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVectorFromUpdate(state));
    // An update that carries nothing is 2 bytes (no structs, no deletions).
    if (missing.length > 2) this._queue(missing);
  }

  /** `notes_state`: the server's copy replaces ours. */
  replace(notes) {
    this._reset(fromBase64(notes.state));
  }

  /** `notes_update` from someone else. */
  update(base64) {
    this._remote(fromBase64(base64));
  }

  _remote(bytes) {
    const ta = this.textarea;
    const focused = document.activeElement === ta;
    const sel = focused
      ? [ta.selectionStart, ta.selectionEnd].map((i) => Y.createRelativePositionFromTypeIndex(this.ytext, i))
      : null;
    Y.applyUpdate(this.doc, bytes, 'remote');
    this._render(sel);
  }

  _render(sel) {
    const value = this.ytext.toString();
    if (this.textarea.value !== value) this.textarea.value = value;
    this.last = value;
    if (sel) {
      const [start, end] = sel.map((rel) => Y.createAbsolutePositionFromRelativePosition(rel, this.doc)?.index ?? value.length);
      this.textarea.setSelectionRange(start, end);
    }
  }

  _onInput() {
    const value = this.textarea.value;
    const { at, remove, insert } = diff(this.last, value);
    this.last = value;
    if (!remove && !insert) return;
    this.doc.transact(() => {
      if (remove) this.ytext.delete(at, remove);
      if (insert) this.ytext.insert(at, insert);
    }, 'local');
  }

  _queue(update) {
    this.pending.push(update);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Sends what was typed since the last batch, as one update. */
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const update = this.pending.length === 1 ? this.pending[0] : Y.mergeUpdates(this.pending);
    this.pending = [];
    this.send({ type: 'notes_update', update: toBase64(update) });
  }
}
