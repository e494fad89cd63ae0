// The toolbar at the bottom of the room: microphone, camera, screen sharing, raise hand, chat,
// people, the room menu (for those who may), devices, leave. Toggle buttons keep one
// accessible name and report their state with aria-pressed; panel buttons use aria-expanded
// (panels.js) and carry their counts in their names ("Chat, 2 unread").

import { h, icon } from './dom.js';
import { bind } from './i18n.js';

export class Controls {
  constructor(container, { onMicrophone, onCamera, onScreen, onHand, onSettings, onLeave }) {
    this.mic = this._button('microphone', 'mic', onMicrophone, true);
    this.camera = this._button('camera', 'cam', onCamera, true);
    this.screen = this._button('share_screen', 'screen', onScreen, false);
    this.hand = this._button('raise_hand', 'hand', onHand, true);
    // Chat and People open panels (panels.js wires their clicks); each has a badge.
    this.chatBadge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
    this.chat = this._button('chat', 'chat', null, false, this.chatBadge);
    this.peopleBadge = h('span', { class: 'badge knock-badge', 'aria-hidden': 'true', hidden: true });
    this.peopleCount = h('span', { class: 'count-chip', 'aria-hidden': 'true' });
    this.people = this._button('people', 'people', null, false, this.peopleCount, this.peopleBadge);
    this.roomMenu = this._button('room_menu', 'shield', null, false);
    this.roomMenu.hidden = true;
    this.settings = this._button('settings', 'settings', onSettings, false);
    this.leave = this._button('leave', 'leave', onLeave, false);
    this.leave.classList.add('leave-button');
    if (!navigator.mediaDevices?.getDisplayMedia) this.screen.hidden = true;
    this.el = h('nav', { class: 'toolbar' },
      h('div', { class: 'toolbar-group' }, this.mic, this.camera, this.screen, this.hand),
      h('div', { class: 'toolbar-group' }, this.chat, this.people, this.roomMenu, this.settings, this.leave));
    bind(this.el, { label: 'meeting_controls' });
    this.el.removeAttribute('title');
    container.append(this.el);
    this.setChatUnread(0);
    this.setPeople(1, 0);
  }

  _button(label, iconName, onClick, toggle, ...extra) {
    const b = h('button', { type: 'button', class: 'round-button' }, icon(iconName), ...extra);
    if (toggle) b.setAttribute('aria-pressed', 'false');
    bind(b, { label });
    if (onClick) b.addEventListener('click', () => onClick());
    return b;
  }

  setMicrophone(on, available = true) {
    this._toggle(this.mic, on, on ? 'mic' : 'micOff', available);
  }

  setCamera(on, available = true) {
    this._toggle(this.camera, on, on ? 'cam' : 'camOff', available);
  }

  /** The screen button is an action whose name says what it does ("Share screen" / "Stop sharing"). */
  setScreen(on) {
    this.screen.classList.toggle('active', on);
    this.screen.replaceChildren(icon(on ? 'screenOff' : 'screen'));
    bind(this.screen, { label: on ? 'stop_sharing' : 'share_screen' });
  }

  /** Raised or not, as the server last said. */
  setHand(raised) {
    this.hand.setAttribute('aria-pressed', String(raised));
    this.hand.classList.toggle('active', raised);
  }

  setChatUnread(n) {
    this.chatBadge.hidden = n === 0;
    this.chatBadge.textContent = n > 99 ? '99+' : String(n);
    bind(this.chat, n === 0 ? { label: 'chat' } : { label: 'chat_unread', args: { count: n } });
  }

  /** People here (us included) and, for those who may admit, how many are knocking. */
  setPeople(count, knocking) {
    this.peopleCount.textContent = String(count);
    this.peopleBadge.hidden = knocking === 0;
    this.peopleBadge.textContent = String(knocking);
    bind(this.people, knocking === 0
      ? { label: 'people_count', args: { count } }
      : { label: 'people_count_knocking', args: { count, knocking } });
  }

  _toggle(button, on, iconName, available) {
    button.setAttribute('aria-pressed', String(on));
    button.classList.toggle('off', !on);
    button.disabled = !available;
    button.replaceChildren(icon(iconName));
  }
}
