// The check page before joining: camera preview, microphone level, device choice, display name,
// and the connection test (round trip and throughput to the server, with advice: nettest.js).
// Resolves with what the user chose; the opened tracks are handed on to the room as they are.

import { h, icon } from './dom.js';
import { bind, language, t } from './i18n.js';
import { listDevices, meterLevel, openCamera, openMicrophone, saveDevice, savedDevice } from './devices.js';
import { runNetTest } from './nettest.js';

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
 * The connection test's part of the check page: runs at once, shows round trip, download and
 * upload as they come, then a rating and advice; "Test again" re-runs it.
 */
export function connectionTest() {
  const value = (id) => h('dd', { id, class: 'net-value' }, '…');
  const rtt = value('net-rtt');
  const down = value('net-download');
  const up = value('net-upload');
  const status = h('p', { class: 'net-status', role: 'status', 'aria-live': 'polite' });
  const advice = h('ul', { class: 'net-advice' });
  const again = bind(h('button', { type: 'button', class: 'secondary-button net-again' }), { text: 'net_test_again' });
  const el = h('section', { class: 'net-test', 'aria-labelledby': 'net-title' },
    bind(h('h2', { id: 'net-title' }), { text: 'net_title' }),
    h('dl', { class: 'net-results' },
      bind(h('dt'), { text: 'net_rtt' }), rtt,
      bind(h('dt'), { text: 'net_download' }), down,
      bind(h('dt'), { text: 'net_upload' }), up),
    status, advice, again);
  const number = (v) => new Intl.NumberFormat(language(), { maximumFractionDigits: v < 10 ? 1 : 0 }).format(v);
  const show = (dd, v, key) => {
    if (v === null || v === undefined) {
      bind(dd, { text: 'net_not_measured' });
      return;
    }
    bind(dd, { text: key, args: { value: number(v) } });
    dd.dataset.value = String(v);
  };
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    again.disabled = true;
    advice.replaceChildren();
    for (const dd of [rtt, down, up]) {
      delete dd.dataset.i18n;
      delete dd.dataset.value;
      dd.textContent = '…';
    }
    el.dataset.state = 'running';
    delete el.dataset.rating;
    bind(status, { text: 'net_testing' });
    try {
      const result = await runNetTest({
        onStep: (step, partial) => {
          if (partial.rttMs !== null) show(rtt, Math.round(partial.rttMs), 'net_ms');
          if (partial.downloadMbps !== null) show(down, partial.downloadMbps, 'net_mbps');
        },
      });
      show(rtt, result.rttMs === null ? null : Math.round(result.rttMs), 'net_ms');
      show(down, result.downloadMbps, 'net_mbps');
      show(up, result.uploadMbps, 'net_mbps');
      el.dataset.rating = result.overall;
      bind(status, { text: `net_overall_${result.overall}` });
      for (const key of result.advice) advice.append(bind(h('li'), { text: key }));
    } catch (e) {
      console.warn('amphi: connection test', e);
      el.dataset.rating = 'unknown';
      bind(status, { text: e?.code === 'rate_limited' ? 'net_rate_limited' : 'net_failed' });
    } finally {
      el.dataset.state = 'done';
      running = false;
      again.disabled = false;
    }
  };
  again.addEventListener('click', run);
  return { el, run };
}

/**
 * Shows the check page inside `container`.
 * Options: roomName; cameraOn (default true: a session's speakers enter with it off);
 * title / join (locale keys of the heading and the button); connectionTest (default true).
 * Resolves {name, camera: track|null, microphone: track|null, cameraOn, microphoneOn}.
 */
export function showCheckPage(container, { roomName, cameraOn = true, title = 'ready_to_join', join = 'join', connectionTest: withNetTest = true }) {
  return new Promise((resolve) => {
    const state = { camera: null, microphone: null, cameraOn, microphoneOn: true, stopMeter: () => {} };

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
    const joinButton = bind(h('button', { type: 'submit', class: 'primary-button join-button' }), { text: join });

    const form = h('form', { class: 'check-form', novalidate: true },
      bind(h('h1', { id: 'check-title' }), { text: title }),
      bind(h('p', { class: 'check-room' }), { text: 'room_label', args: { room: roomName } }),
      h('div', { class: 'field' }, bind(h('label', { for: 'check-name' }), { text: 'your_name' }), nameInput),
      h('div', { class: 'field' }, bind(h('label', { for: 'check-camera' }), { text: 'camera' }), camSelect),
      h('div', { class: 'field' }, bind(h('label', { for: 'check-microphone' }), { text: 'microphone' }), micSelect),
      h('div', { class: 'field' }, bind(h('span', { class: 'field-label', 'aria-hidden': 'true' }), { text: 'microphone_level' }), meter),
      notice,
      joinButton,
    );

    const netTest = withNetTest ? connectionTest() : null;
    const page = h('section', { class: 'check', 'aria-labelledby': 'check-title' },
      h('div', { class: 'preview-column' },
        h('div', { class: 'preview' }, video, videoOff, h('div', { class: 'preview-controls' }, micToggle, camToggle)),
        netTest?.el),
      form,
    );
    container.replaceChildren(page);
    netTest?.run();

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
