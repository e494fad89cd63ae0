// The screen of someone whose join is held: the room is not open yet (with "Open the room" for
// those who may), or the waiting room is on and a moderator must let them in. It updates itself
// when the server's `waiting` message changes; the welcome replaces it with the meeting.

import { announce } from './announce.js';
import { h } from './dom.js';
import { bind, t } from './i18n.js';

const TEXTS = {
  room_closed: ['waiting_closed_title', 'waiting_closed_detail'],
  knocking: ['waiting_knock_title', 'waiting_knock_detail'],
};

export class WaitingView {
  /** @param {{onOpen: () => void, onLeave: () => void}} handlers */
  constructor({ onOpen, onLeave }) {
    this.reason = null;
    this.heading = h('h1', { id: 'waiting-title', tabindex: '-1' });
    this.detail = h('p');
    this.openButton = bind(h('button', { type: 'button', class: 'primary-button', hidden: true }), { text: 'open_the_room' });
    this.openButton.addEventListener('click', () => {
      this.openButton.disabled = true;
      onOpen();
      // Re-enabled if the room stays closed (a refused request): the server answers with an error.
      setTimeout(() => { this.openButton.disabled = false; }, 3000);
    });
    const leave = bind(h('button', { type: 'button', class: 'secondary-button' }), { text: 'leave' });
    leave.addEventListener('click', () => onLeave());
    this.spinner = h('div', { class: 'waiting-dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span'));
    // Our own camera while we wait: time to check how we look before entering.
    this.preview = h('video', { class: 'waiting-preview mirrored', autoplay: true, muted: true, playsInline: true, hidden: true });
    bind(this.preview, { label: 'camera_preview' });
    this.el = h('section', { class: 'waiting-page', 'aria-labelledby': 'waiting-title' },
      this.preview, this.spinner, this.heading, this.detail, h('div', { class: 'waiting-actions' }, this.openButton, leave));
  }

  /** Shows our camera (a live track) or nothing (null). */
  setPreview(track) {
    this.preview.hidden = !track;
    if (!track) {
      this.preview.srcObject = null;
      return;
    }
    if (this.preview.srcObject?.getVideoTracks()[0] !== track) this.preview.srcObject = new MediaStream([track]);
    this.preview.play().catch(() => {});
  }

  /** Shows (or updates) the screen for a `waiting` message. */
  update({ reason, can_open: canOpen }) {
    const [title, detail] = TEXTS[reason] || TEXTS.knocking;
    const changed = reason !== this.reason;
    this.reason = reason;
    bind(this.heading, { text: title });
    bind(this.detail, { text: detail });
    this.openButton.hidden = !(reason === 'room_closed' && canOpen);
    this.openButton.disabled = false;
    this.el.dataset.reason = reason;
    if (changed) {
      // A new situation: say it, and put the reader on it.
      if (this.el.isConnected) this.heading.focus();
      announce(t(title));
    }
  }
}
