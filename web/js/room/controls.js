// The toolbar at the bottom of the room: microphone, camera, screen sharing, devices, leave.
// Toggle buttons keep one accessible name and report their state with aria-pressed.

import { h, icon } from './dom.js';
import { bind } from './i18n.js';

export class Controls {
  constructor(container, { onMicrophone, onCamera, onScreen, onSettings, onLeave }) {
    this.mic = this._button('microphone', 'mic', onMicrophone, true);
    this.camera = this._button('camera', 'cam', onCamera, true);
    this.screen = this._button('share_screen', 'screen', onScreen, false);
    this.settings = this._button('settings', 'settings', onSettings, false);
    this.leave = this._button('leave', 'leave', onLeave, false);
    this.leave.classList.add('leave-button');
    if (!navigator.mediaDevices?.getDisplayMedia) this.screen.hidden = true;
    this.el = h('nav', { class: 'toolbar' }, this.mic, this.camera, this.screen, this.settings, this.leave);
    bind(this.el, { label: 'meeting_controls' });
    this.el.removeAttribute('title');
    container.append(this.el);
  }

  _button(label, iconName, onClick, toggle) {
    const b = h('button', { type: 'button', class: 'round-button' }, icon(iconName));
    if (toggle) b.setAttribute('aria-pressed', 'false');
    bind(b, { label });
    b.addEventListener('click', () => onClick());
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

  _toggle(button, on, iconName, available) {
    button.setAttribute('aria-pressed', String(on));
    button.classList.toggle('off', !on);
    button.disabled = !available;
    button.replaceChildren(icon(iconName));
  }
}
