// The chat panel: the meeting's messages (history from the welcome, then live), sender and
// time, links clickable, everything else as text; an input with the length limit, a counter,
// and the server's refusals (rate_limited, invalid_message) shown next to it.

import { announce } from './announce.js';
import { h, icon } from './dom.js';
import { bind, language, onLanguageChange, t } from './i18n.js';
import { linkify } from './linkify.js';

/** crates/proto MAX_CHAT_CHARS: characters (code points) after trimming. */
export const MAX_CHAT_CHARS = 2000;
const COUNTER_FROM = 1800; // the counter shows once the limit is near
const MAX_SHOWN = 500; // messages kept on the page (the server keeps the last 200 for late joiners)

export class ChatPanel {
  /**
   * @param {{onSend: (text: string) => void, isSelf: (participantId: string) => boolean,
   *          onUnread: (n: number) => void}} handlers
   */
  constructor({ onSend, isSelf, onUnread }) {
    this.onSend = onSend;
    this.isSelf = isSelf;
    this.onUnread = onUnread;
    this.unread = 0;
    this.open = false;
    this.pending = null; // the text last sent, restored if the server refuses it
    this.seen = new Set(); // message ids shown (a reconnect's welcome brings the history again)

    this.list = h('ol', { class: 'chat-list' });
    this.empty = bind(h('p', { class: 'chat-empty' }), { text: 'chat_empty' });
    this.input = h('textarea', { id: 'chat-input', rows: 2, class: 'chat-input', 'aria-describedby': 'chat-counter chat-error' });
    bind(this.input, { placeholder: 'chat_placeholder' });
    this.counter = h('span', { id: 'chat-counter', class: 'chat-counter', hidden: true });
    this.error = h('p', { id: 'chat-error', class: 'chat-error', role: 'alert' });
    this.sendButton = h('button', { type: 'submit', class: 'send-button' }, icon('send'));
    bind(this.sendButton, { label: 'send' });
    this.form = h('form', { class: 'chat-form' },
      bind(h('label', { for: 'chat-input', class: 'sr-only' }), { text: 'chat_message_label' }),
      h('div', { class: 'chat-input-row' }, this.input, this.sendButton),
      h('div', { class: 'chat-form-info' }, this.error, this.counter));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      // Enter sends, Shift+Enter starts a new line (as in every chat).
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.refreshCounter());
    this.body = h('div', { class: 'chat-body' }, this.empty, this.list);
    this.content = h('div', { class: 'chat' }, this.body, this.form);
    // Times follow the page's language.
    onLanguageChange(() => {
      for (const time of this.list.querySelectorAll('time')) time.textContent = formatTime(Number(time.dataset.ms));
      this.refreshCounter();
    });
  }

  /** Replaces the list with the meeting's history (from a welcome). */
  setHistory(messages) {
    this.list.replaceChildren();
    this.seen.clear();
    for (const m of messages || []) this._append(m);
    this._refreshEmpty();
    this._scroll(true);
  }

  /** A new message from the server (ours included). */
  add(message) {
    if (this.seen.has(message.id)) return;
    const stick = this._atBottom();
    this._append(message);
    this._refreshEmpty();
    this._scroll(stick || this.isSelf(message.participant_id));
    if (this.isSelf(message.participant_id)) {
      this.pending = null;
      return;
    }
    announce(t('chat_from', { name: message.name, text: message.text }));
    if (!this.open || document.visibilityState === 'hidden') this._setUnread(this.unread + 1);
  }

  /** The server refused what we sent: say why next to the input, and give the text back. */
  showError(code) {
    const key = code === 'rate_limited' ? 'chat_rate_limited' : code === 'forbidden' ? 'chat_forbidden' : 'chat_invalid';
    bind(this.error, { text: key });
    if (this.pending !== null && this.input.value === '') {
      this.input.value = this.pending;
      this.refreshCounter();
    }
    this.pending = null;
  }

  setOpen(open) {
    this.open = open;
    if (open) {
      this._setUnread(0);
      this._scroll(true);
    }
  }

  focus() {
    this.input.focus();
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    const length = [...text].length;
    if (length > MAX_CHAT_CHARS) {
      bind(this.error, { text: 'chat_too_long', args: { max: MAX_CHAT_CHARS } });
      return;
    }
    this._clearError();
    this.pending = text;
    this.onSend(text);
    this.input.value = '';
    this.refreshCounter();
  }

  refreshCounter() {
    const length = [...this.input.value.trim()].length;
    const over = length > MAX_CHAT_CHARS;
    this.counter.hidden = length < COUNTER_FROM;
    this.counter.classList.toggle('over', over);
    bind(this.counter, { text: 'chat_counter', args: { count: length, max: MAX_CHAT_CHARS } });
    this.input.setAttribute('aria-invalid', String(over));
    if (!over && this.error.dataset.i18n === 'chat_too_long') this._clearError();
  }

  _clearError() {
    delete this.error.dataset.i18n;
    this.error.textContent = '';
  }

  _append(m) {
    this.seen.add(m.id);
    const self = this.isSelf(m.participant_id);
    const time = h('time', { datetime: new Date(m.sent_at).toISOString(), dataset: { ms: String(m.sent_at) } }, formatTime(m.sent_at));
    const sender = h('span', { class: 'chat-sender' }, m.name);
    if (self) bind(sender, { text: 'name_you', args: { name: m.name } });
    const text = h('p', { class: 'chat-text' }, ...linkify(m.text));
    this.list.append(h('li', { class: `chat-message${self ? ' own' : ''}`, dataset: { messageId: m.id } },
      h('div', { class: 'chat-meta' }, sender, time), text));
    // A long meeting must not grow the page without end: keep the newest ones.
    while (this.list.children.length > MAX_SHOWN) {
      const oldest = this.list.firstElementChild;
      this.seen.delete(oldest.dataset.messageId);
      oldest.remove();
    }
  }

  _refreshEmpty() {
    this.empty.hidden = this.list.children.length > 0;
  }

  _setUnread(n) {
    this.unread = n;
    this.onUnread(n);
  }

  _atBottom() {
    return this.body.scrollHeight - this.body.scrollTop - this.body.clientHeight < 40;
  }

  _scroll(toBottom) {
    if (toBottom) this.body.scrollTop = this.body.scrollHeight;
  }
}

function formatTime(ms) {
  try {
    return new Date(ms).toLocaleTimeString(language(), { hour: '2-digit', minute: '2-digit' });
  } catch {
    return '';
  }
}
