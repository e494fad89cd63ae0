// Moderation pieces of the room: the room menu (close the room, waiting room switch), the
// confirmation dialog, notices, and the words for what a moderator did to us (`moderated`).

import { announce } from './announce.js';
import { h } from './dom.js';
import { bind, t } from './i18n.js';

/**
 * The room menu: a disclosure under a toolbar button with "Close the room" (after a
 * confirmation) and the waiting room switch (role="switch").
 */
export class RoomMenu {
  /** @param {{button: HTMLButtonElement, onClose: () => void, onWaitingRoom: (on: boolean) => void}} opts */
  constructor(container, { button, onCloseRoom, onWaitingRoom }) {
    this.button = button;
    this.waitingSwitch = h('button', { type: 'button', role: 'switch', class: 'switch', 'aria-checked': 'false', dataset: { focusKey: 'waiting-room' } },
      h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
      bind(h('span', { class: 'switch-text' }), { text: 'waiting_room' }));
    this.waitingSwitch.addEventListener('click', () => {
      onWaitingRoom(this.waitingSwitch.getAttribute('aria-checked') !== 'true');
    });
    this.closeButton = bind(h('button', { type: 'button', class: 'small-button danger menu-item' }), { text: 'close_the_room' });
    this.closeButton.addEventListener('click', async () => {
      this.hide();
      const ok = await confirmDialog(container, {
        title: 'close_room_confirm_title', detail: 'close_room_confirm_detail', confirm: 'close_the_room',
      });
      if (ok) onCloseRoom();
    });
    this.el = h('div', { id: 'room-menu', class: 'room-menu', hidden: true, role: 'group' },
      this.waitingSwitch, bind(h('p', { class: 'menu-hint' }), { text: 'waiting_room_hint' }), this.closeButton);
    bind(this.el, { label: 'room_menu' });
    this.el.removeAttribute('title');
    button.setAttribute('aria-controls', 'room-menu');
    button.setAttribute('aria-expanded', 'false');
    button.addEventListener('click', () => (this.el.hidden ? this.show() : this.hide()));
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.hide();
        this.button.focus();
      }
    });
    // A click elsewhere closes it, as menus do.
    document.addEventListener('click', (e) => {
      if (!this.el.hidden && !this.el.contains(e.target) && !this.button.contains(e.target)) this.hide();
    });
    container.append(this.el);
  }

  show() {
    this.el.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.waitingSwitch.focus();
  }

  hide() {
    this.el.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
  }

  setWaitingRoom(on) {
    this.waitingSwitch.setAttribute('aria-checked', String(!!on));
  }

  /** Shows the menu's parts the role allows (the button itself disappears when none). */
  setAllowed({ openClose, lock }) {
    this.closeButton.hidden = !openClose;
    this.waitingSwitch.hidden = !lock;
    this.el.querySelector('.menu-hint').hidden = !lock;
    this.button.hidden = !openClose && !lock;
    if (this.button.hidden) this.hide();
  }
}

/** A modal confirmation; resolves true when confirmed. Keys are locale keys. */
export function confirmDialog(container, { title, detail, confirm, args = {} }) {
  return new Promise((resolve) => {
    const cancel = bind(h('button', { type: 'button', class: 'secondary-button' }), { text: 'cancel' });
    const ok = bind(h('button', { type: 'button', class: 'primary-button danger' }), { text: confirm, args });
    const dialog = h('dialog', { class: 'settings confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-detail' },
      bind(h('h2', { id: 'confirm-title' }), { text: title, args }),
      bind(h('p', { id: 'confirm-detail' }), { text: detail, args }),
      h('div', { class: 'dialog-actions' }, cancel, ok));
    const done = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    container.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** Visible notices in the room (a moderator's action, a refusal); screen readers hear them too. */
export class Notices {
  constructor(container) {
    this.el = h('div', { class: 'notices' });
    container.append(this.el);
  }

  show(text, { timeoutMs = 6000 } = {}) {
    const item = h('p', { class: 'notice' }, text);
    this.el.append(item);
    announce(text);
    setTimeout(() => item.remove(), timeoutMs);
  }
}

const SOURCE_KEYS = {
  microphone: 'moderated_muted_microphone',
  screen_audio: 'moderated_muted_screen_audio',
  camera: 'moderated_camera_stopped',
  screen: 'moderated_screen_stopped',
};

/** "Alice muted your microphone", "Bob made you a moderator"… for a `moderated` message. */
export function moderatedText({ action, by, source, role }) {
  const name = by?.name || t('a_moderator');
  switch (action) {
    case 'muted': return t(SOURCE_KEYS[source] || SOURCE_KEYS.microphone, { name });
    case 'camera_stopped': return t('moderated_camera_stopped', { name });
    case 'screen_stopped': return t('moderated_screen_stopped', { name });
    case 'hand_lowered': return t('moderated_hand_lowered', { name });
    case 'role_changed': return t(role === 'moderator' ? 'moderated_made_moderator' : 'moderated_made_participant', { name });
    default: return t('moderated_other', { name });
  }
}

/** Who did it, from a `by` that is a name, a {name} object, or absent. */
export function byName(by) {
  if (!by) return null;
  if (typeof by === 'string') return by;
  return by.name || null;
}
