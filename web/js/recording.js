// Recording in the room, the backstage and the attendee page (docs/protocol.md, "Recording"):
// everyone sees a red "Recording" indicator while the server records and hears it start and
// stop (the room's aria-live region); roles that may record (owner, manager, moderator) get
// Record / Stop recording with the options (webcams, sound only). Signed-in presenters may
// also record in their own browser and upload the file (recording_local.js).
//
// Mounted once per connection: mountRecording(conn, host).

import { announce } from './room/announce.js';
import { h } from './room/dom.js';
import { addBundles, bind, t } from './room/i18n.js';
import { mountLocalRecording } from './recording_local.js';

addBundles('recording');

/** The stylesheet, once per page (the room and session templates link only their own). */
function loadStyles() {
  if (document.querySelector('link[href="/static/css/recording.css"]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/recording.css' }));
}

const RECORDERS = new Set(['owner', 'manager', 'moderator']);

/** Sends a recording request on the connection (the protocol's own `_send`). */
function request(conn, message) {
  conn._send(message);
}

/** The indicator and (for those who may) the controls, kept in step with the server. */
export function mountRecording(conn, host) {
  loadStyles();
  const text = h('span', { class: 'recording-text' });
  const indicator = h('div', { class: 'recording-indicator', hidden: true },
    h('span', { class: 'recording-dot', 'aria-hidden': 'true' }), text);
  const webcams = h('input', { type: 'checkbox', id: 'recording-webcams', checked: true });
  const audioOnly = h('input', { type: 'checkbox', id: 'recording-audio-only' });
  const startButton = bind(h('button', { type: 'button', class: 'recording-start' }), { text: 'rec_start' });
  const stopButton = bind(h('button', { type: 'button', class: 'recording-stop', hidden: true }), { text: 'rec_stop' });
  const options = h('fieldset', { class: 'recording-options' },
    bind(h('legend', { class: 'sr-only' }), { text: 'rec_options' }),
    h('label', {}, webcams, ' ', bind(h('span'), { text: 'rec_webcams' })),
    h('label', {}, audioOnly, ' ', bind(h('span'), { text: 'rec_audio_only' })));
  const controls = h('div', { class: 'recording-controls', hidden: true }, startButton, stopButton, options);
  const bar = h('div', { class: 'recording-bar' }, indicator, controls);
  host.prepend(bar);

  let current = null;
  let role = null;
  let local = null;

  function show() {
    indicator.hidden = !current;
    bind(text, { text: current?.audio_only ? 'rec_indicator_audio' : 'rec_indicator' });
    const mayRecord = RECORDERS.has(role);
    controls.hidden = !mayRecord;
    startButton.hidden = !!current;
    stopButton.hidden = !current;
    options.hidden = !!current;
    startButton.disabled = false;
    stopButton.disabled = false;
  }

  startButton.addEventListener('click', () => {
    startButton.disabled = true;
    request(conn, { type: 'start_recording', webcams: webcams.checked, audio_only: audioOnly.checked });
  });
  stopButton.addEventListener('click', () => {
    stopButton.disabled = true;
    request(conn, { type: 'stop_recording' });
  });

  conn.addEventListener('welcome', (e) => {
    role = e.detail.role;
    current = e.detail.recording || null;
    show();
    if (!local && role && role !== 'attendee' && role !== 'participant') local = mountLocalRecording(bar);
  });
  conn.addEventListener('recording_updated', (e) => {
    const { recording, reason } = e.detail;
    const was = current;
    current = recording || null;
    show();
    if (current && !was) {
      announce(current.by ? t('rec_started_by', { name: current.by }) : t('rec_started'));
    } else if (!current) {
      const key = { disk_low: was ? 'rec_stopped_disk' : 'rec_refused_disk', failed: 'rec_stopped_failed' }[reason] || 'rec_stopped';
      if (was || reason === 'disk_low') announce(t(key));
    }
  });
  conn.addEventListener('server_error', (e) => {
    if (e.detail?.request === 'start_recording' || e.detail?.request === 'stop_recording') {
      show();
      announce(t('rec_failed'));
    }
  });
  return { indicator, controls };
}
