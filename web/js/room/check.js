// The check page before joining: camera preview, microphone level, device choice, display name.
// Resolves with what the user chose; the opened tracks are handed on to the room as they are.

import { h, icon } from './dom.js';
import { bind, t } from './i18n.js';
import { listDevices, meterLevel, openCamera, openMicrophone, saveDevice, savedDevice } from './devices.js';

const NAME_KEY = 'amphi.name';

function savedName() {
  try {
    return localStorage.getItem(NAME_KEY) || '';
  } catch {
    return '';
  }
}

function saveName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    /* remembered for this page only */
  }
}

/**
 * Shows the check page inside `container`.
 * Resolves {name, camera: track|null, microphone: track|null, cameraOn, microphoneOn}.
 */
export function showCheckPage(container, { roomName }) {
  return new Promise((resolve) => {
    const state = { camera: null, microphone: null, cameraOn: true, microphoneOn: true, stopMeter: () => {} };

    const video = h('video', { class: 'preview-video mirrored', autoplay: true, muted: true, playsInline: true });
    bind(video, { label: 'camera_preview' });
    const videoOff = bind(h('div', { class: 'preview-off' }), { text: 'camera_off' });
    const camToggle = h('button', { type: 'button', class: 'round-button', 'aria-pressed': 'true' }, icon('cam'));
    const micToggle = h('button', { type: 'button', class: 'round-button', 'aria-pressed': 'true' }, icon('mic'));
    bind(camToggle, { label: 'camera' });
    bind(micToggle, { label: 'microphone' });

    const nameInput = h('input', { id: 'check-name', type: 'text', name: 'name', required: true, maxLength: 64, autocomplete: 'name', value: savedName() });
    bind(nameInput, { placeholder: 'name_placeholder' });
    const camSelect = h('select', { id: 'check-camera' });
    const micSelect = h('select', { id: 'check-microphone' });
    const meterBar = h('div', { class: 'meter-bar' });
    const meter = h('div', { class: 'meter', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, meterBar);
    bind(meter, { label: 'microphone_level' });
    const notice = h('p', { class: 'check-notice', role: 'alert' });
    const joinButton = bind(h('button', { type: 'submit', class: 'primary-button join-button' }), { text: 'join' });

    const form = h('form', { class: 'check-form', novalidate: true },
      bind(h('h1', { id: 'check-title' }), { text: 'ready_to_join' }),
      bind(h('p', { class: 'check-room' }), { text: 'room_label', args: { room: roomName } }),
      h('div', { class: 'field' }, bind(h('label', { for: 'check-name' }), { text: 'your_name' }), nameInput),
      h('div', { class: 'field' }, bind(h('label', { for: 'check-camera' }), { text: 'camera' }), camSelect),
      h('div', { class: 'field' }, bind(h('label', { for: 'check-microphone' }), { text: 'microphone' }), micSelect),
      h('div', { class: 'field' }, bind(h('span', { class: 'field-label', 'aria-hidden': 'true' }), { text: 'microphone_level' }), meter),
      notice,
      joinButton,
    );

    const page = h('section', { class: 'check', 'aria-labelledby': 'check-title' },
      h('div', { class: 'preview' }, video, videoOff, h('div', { class: 'preview-controls' }, micToggle, camToggle)),
      form,
    );
    container.replaceChildren(page);

    const showNotice = (key) => {
      if (key) bind(notice, { text: key });
      else {
        delete notice.dataset.i18n;
        notice.textContent = '';
      }
    };

    const refreshPreview = () => {
      const on = state.cameraOn && state.camera;
      video.srcObject = on ? new MediaStream([state.camera]) : null;
      page.classList.toggle('camera-off', !on);
      camToggle.setAttribute('aria-pressed', String(state.cameraOn));
      camToggle.replaceChildren(icon(state.cameraOn ? 'cam' : 'camOff'));
      micToggle.setAttribute('aria-pressed', String(state.microphoneOn));
      micToggle.replaceChildren(icon(state.microphoneOn ? 'mic' : 'micOff'));
    };

    const startMeter = () => {
      state.stopMeter();
      state.stopMeter = meterLevel(state.microphoneOn ? state.microphone : null, (level) => {
        meterBar.style.transform = `scaleX(${level})`;
        meter.setAttribute('aria-valuenow', String(Math.round(level * 100)));
      });
      if (!state.microphoneOn || !state.microphone) {
        meterBar.style.transform = 'scaleX(0)';
        meter.setAttribute('aria-valuenow', '0');
      }
    };

    const fillSelect = (select, devices, currentId, emptyKey) => {
      select.replaceChildren();
      if (devices.length === 0) {
        select.append(bind(h('option', { value: '' }), { text: emptyKey }));
        select.disabled = true;
        return;
      }
      select.disabled = false;
      devices.forEach((d, i) => {
        const opt = h('option', { value: d.deviceId }, d.label || `${t(select === camSelect ? 'camera' : 'microphone')} ${i + 1}`);
        if (d.deviceId === currentId) opt.selected = true;
        select.append(opt);
      });
    };

    const refreshDevices = async () => {
      const devices = await listDevices();
      fillSelect(camSelect, devices.videoinput, state.camera?.getSettings().deviceId || savedDevice('video'), 'no_camera');
      fillSelect(micSelect, devices.audioinput, state.microphone?.getSettings().deviceId || savedDevice('audio'), 'no_microphone');
    };

    const open = async () => {
      const [cam, mic] = await Promise.all([openCamera(), openMicrophone()]);
      state.camera = cam.track;
      state.microphone = mic.track;
      if (cam.error === 'denied' || mic.error === 'denied') showNotice('devices_denied');
      else if (!cam.track && !mic.track) showNotice('no_devices');
      if (!cam.track) state.cameraOn = false;
      if (!mic.track) state.microphoneOn = false;
      camToggle.disabled = !cam.track;
      micToggle.disabled = !mic.track;
      refreshPreview();
      startMeter();
      await refreshDevices();
    };

    camSelect.addEventListener('change', async () => {
      state.camera?.stop();
      const { track } = await openCamera(camSelect.value);
      state.camera = track;
      if (track) saveDevice('video', camSelect.value);
      refreshPreview();
    });
    micSelect.addEventListener('change', async () => {
      state.microphone?.stop();
      const { track } = await openMicrophone(micSelect.value);
      state.microphone = track;
      if (track) saveDevice('audio', micSelect.value);
      startMeter();
    });
    camToggle.addEventListener('click', () => {
      state.cameraOn = !state.cameraOn;
      refreshPreview();
    });
    micToggle.addEventListener('click', () => {
      state.microphoneOn = !state.microphoneOn;
      refreshPreview();
      startMeter();
    });
    navigator.mediaDevices?.addEventListener?.('devicechange', refreshDevices);

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      joinButton.disabled = true;
      await devicesOpened;
      joinButton.disabled = false;
      const name = nameInput.value.trim();
      if (!name) {
        showNotice('name_required');
        nameInput.setAttribute('aria-invalid', 'true');
        nameInput.focus();
        return;
      }
      nameInput.removeAttribute('aria-invalid');
      saveName(name);
      state.stopMeter();
      navigator.mediaDevices?.removeEventListener?.('devicechange', refreshDevices);
      joinButton.disabled = true;
      resolve({ name, camera: state.camera, microphone: state.microphone, cameraOn: state.cameraOn, microphoneOn: state.microphoneOn });
    });

    refreshPreview();
    // Join waits for this: a person who switches the camera off and joins before the devices
    // are open must still get them, or the room could never turn them on again.
    const devicesOpened = open().catch((e) => console.warn('amphi: devices', e));
    (nameInput.value ? joinButton : nameInput).focus();
  });
}
