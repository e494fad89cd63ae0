// Streaming out in the room and the backstage (docs/protocol.md, "Streaming"): everyone sees
// the stream's state while the room has a stream configured (starting, live, retrying, stopped,
// failed with its reason) and hears its changes (the room's aria-live region); owners, managers
// and moderators get Start stream / Stop stream. The server decides; the buttons only ask.
//
// Mounted once per connection: mountStream(conn, host).

import { announce } from './room/announce.js';
import { h } from './room/dom.js';
import { addBundles, bind, t } from './room/i18n.js';

addBundles('stream');

/** The stylesheet, once per page (the room and session templates link only their own). */
function loadStyles() {
  if (document.querySelector('link[href="/static/css/stream.css"]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/stream.css' }));
}

const CONTROLLERS = new Set(['owner', 'manager', 'moderator']);
const STATES = new Set(['starting', 'live', 'stopped', 'failed', 'retrying']);

/** The words for a stream's reason, or '' (docs/protocol.md: StreamReason). */
export function reasonText(reason) {
  if (!reason || typeof reason !== 'object') return '';
  switch (reason.kind) {
    case 'stopped_by': return t('stream_reason_stopped_by', { name: reason.by || '?' });
    case 'no_moderator': return t('stream_reason_no_moderator');
    case 'nightly': return t('stream_reason_nightly');
    case 'room_closed': return t('stream_reason_room_closed');
    case 'not_configured': return t('stream_reason_not_configured');
    case 'error': return t('stream_reason_error', { detail: reason.detail || '' });
    default: return '';
  }
}

/** What the indicator says for a stream: "Stream: live", "Stream: retrying (…)". */
export function streamText(stream) {
  const state = STATES.has(stream?.state) ? stream.state : 'stopped';
  const why = stream.state === 'live' || stream.state === 'starting' ? '' : reasonText(stream.reason);
  const word = t(`stream_state_${state}`);
  return why ? t('stream_indicator_why', { state: word, reason: why }) : t('stream_indicator', { state: word });
}

/** The indicator and (for those who may) the controls, kept in step with the server. */
export function mountStream(conn, host) {
  loadStyles();
  const text = h('span', { class: 'stream-text' });
  const indicator = h('div', { class: 'stream-indicator', hidden: true, 'data-state': 'stopped' },
    h('span', { class: 'stream-dot', 'aria-hidden': 'true' }), text);
  const startButton = bind(h('button', { type: 'button', class: 'stream-start' }), { text: 'stream_start' });
  const stopButton = bind(h('button', { type: 'button', class: 'stream-stop', hidden: true }), { text: 'stream_stop' });
  const controls = h('div', { class: 'stream-controls', hidden: true }, startButton, stopButton);
  const bar = h('div', { class: 'stream-bar' }, indicator, controls);
  host.prepend(bar);

  let current = null;
  let role = null;

  function show() {
    indicator.hidden = !current;
    if (current) {
      indicator.dataset.state = current.state;
      text.textContent = streamText(current);
    }
    const active = current && ['starting', 'live', 'retrying'].includes(current.state);
    controls.hidden = !current || !CONTROLLERS.has(role);
    startButton.hidden = !!active;
    stopButton.hidden = !active;
    startButton.disabled = false;
    stopButton.disabled = false;
  }

  startButton.addEventListener('click', () => {
    startButton.disabled = true;
    conn._send({ type: 'start_stream' });
  });
  stopButton.addEventListener('click', () => {
    stopButton.disabled = true;
    conn._send({ type: 'stop_stream' });
  });

  conn.addEventListener('welcome', (e) => {
    role = e.detail.role;
    current = e.detail.stream || null;
    show();
  });
  conn.addEventListener('participant_updated', (e) => {
    // Our own role may change (made moderator): the controls follow.
    if (e.detail?.participant?.id && e.detail.participant.id === conn.participantId) {
      role = e.detail.participant.role;
      show();
    }
  });
  conn.addEventListener('stream_updated', (e) => {
    const was = current;
    current = e.detail.stream || null;
    show();
    if (current && was?.state !== current.state) announce(streamText(current));
  });
  conn.addEventListener('server_error', (e) => {
    if (e.detail?.request === 'start_stream' || e.detail?.request === 'stop_stream') {
      show();
      announce(e.detail.message || t('stream_failed_request'));
    }
  });
  return { indicator, controls };
}
