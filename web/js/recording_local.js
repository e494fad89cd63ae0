// Recording in the presenter's own browser (V6): the camera and microphone through
// MediaRecorder (WebM), then a resumable upload to this room or session (recording_upload.js).
// Offered to signed-in staff of a room or live; the server decides whether the upload is theirs.

import { announce } from './room/announce.js';
import { h } from './room/dom.js';
import { bind, t } from './room/i18n.js';
import { uploadRecording } from './recording_upload.js';

/** 'room:<slug>' on /r/<slug>, 'session:<slug>' on /s/<slug>/backstage; else null. */
export function placeOfPage(path = location.pathname) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'r' && parts[1]) return `room:${parts[1]}`;
  if (parts[0] === 's' && parts[1] && parts[2] === 'backstage') return `session:${parts[1]}`;
  return null;
}

/** Adds "Record in this browser" to `bar` when this page and browser allow it. */
export function mountLocalRecording(bar) {
  const place = placeOfPage();
  if (!place || typeof MediaRecorder === 'undefined' || !navigator.mediaDevices) return null;
  const button = bind(h('button', { type: 'button', class: 'recording-local' }), { text: 'rec_local' });
  const status = h('p', { class: 'recording-local-status', role: 'status' });
  bar.append(button, status);
  let recorder = null;
  let stream = null;
  let chunks = [];

  async function begin() {
    // Signed in? The upload's start tells us where we may upload and gives the form token.
    const info = await fetch('/recordings/uploads', { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    if (!info || !info.places.some((p) => p.place === place)) {
      button.hidden = true;
      return;
    }
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    chunks = [];
    recorder = new MediaRecorder(stream, { mimeType: MediaRecorder.isTypeSupported('video/webm') ? 'video/webm' : '' });
    recorder.addEventListener('dataavailable', (e) => { if (e.data.size) chunks.push(e.data); });
    recorder.addEventListener('stop', () => finish(info.csrf));
    recorder.start(1000);
    bind(button, { text: 'rec_local_stop' });
    announce(t('rec_local_started'));
  }

  async function finish(csrf) {
    for (const track of stream?.getTracks() || []) track.stop();
    recorder = null;
    bind(button, { text: 'rec_local' });
    button.disabled = true;
    const blob = new Blob(chunks, { type: 'video/webm' });
    try {
      await uploadRecording(blob, {
        place, csrf,
        onProgress: (sent, total) => bind(status, { text: 'rec_upload_progress', args: { percent: Math.floor((100 * sent) / total) } }),
        onRetry: () => bind(status, { text: 'rec_upload_retrying' }),
      });
      bind(status, { text: 'rec_upload_done' });
      announce(t('rec_upload_done'));
    } catch (e) {
      bind(status, { text: 'rec_upload_failed', args: { message: e.message } });
      announce(t('rec_upload_failed', { message: e.message }));
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener('click', () => {
    if (recorder) recorder.stop();
    else begin().catch(() => bind(status, { text: 'rec_local_unsupported' }));
  });
  return { button, status };
}
