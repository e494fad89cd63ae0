// The device dialog in the room: pick another camera or microphone while connected.

import { h } from './dom.js';
import { bind, t } from './i18n.js';
import { listDevices } from './devices.js';

export class SettingsDialog {
  /** @param {{onCamera: (id: string) => void, onMicrophone: (id: string) => void}} handlers */
  constructor(container, { onCamera, onMicrophone }) {
    this.camSelect = h('select', { id: 'settings-camera' });
    this.micSelect = h('select', { id: 'settings-microphone' });
    this.camSelect.addEventListener('change', () => onCamera(this.camSelect.value));
    this.micSelect.addEventListener('change', () => onMicrophone(this.micSelect.value));
    const close = bind(h('button', { type: 'button', class: 'primary-button' }), { text: 'close' });
    close.addEventListener('click', () => this.el.close());
    this.el = h('dialog', { class: 'settings', 'aria-labelledby': 'settings-title' },
      bind(h('h2', { id: 'settings-title' }), { text: 'settings' }),
      h('div', { class: 'field' }, bind(h('label', { for: 'settings-camera' }), { text: 'camera' }), this.camSelect),
      h('div', { class: 'field' }, bind(h('label', { for: 'settings-microphone' }), { text: 'microphone' }), this.micSelect),
      h('div', { class: 'dialog-actions' }, close));
    container.append(this.el);
  }

  /** Opens the dialog with the current devices selected. */
  async open({ cameraId, microphoneId }) {
    const devices = await listDevices();
    fill(this.camSelect, devices.videoinput, cameraId, 'camera', 'no_camera');
    fill(this.micSelect, devices.audioinput, microphoneId, 'microphone', 'no_microphone');
    this.el.showModal();
  }
}

function fill(select, devices, currentId, labelKey, emptyKey) {
  select.replaceChildren();
  select.disabled = devices.length === 0;
  if (devices.length === 0) {
    select.append(bind(h('option', { value: '' }), { text: emptyKey }));
    return;
  }
  devices.forEach((d, i) => {
    const opt = h('option', { value: d.deviceId }, d.label || `${t(labelKey)} ${i + 1}`);
    if (d.deviceId === currentId) opt.selected = true;
    select.append(opt);
  });
}
