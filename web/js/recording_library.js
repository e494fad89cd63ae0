// Back office → Recordings: the states and progress move without a reload (polls
// /recordings/status while something records or processes), and the upload form sends a
// file resumably (recording_upload.js). Texts come from the page's data attributes.

import { uploadRecording } from './recording_upload.js';
import { pollStatus } from './replay_player.js';

const list = document.getElementById('recordings');
const BUSY = new Set(['recording', 'processing']);

function follow() {
  const rows = () => [...document.querySelectorAll('tr.recording-line')];
  if (!rows().some((r) => BUSY.has(r.dataset.state))) return;
  pollStatus(list.dataset.statusUrl, (lines) => {
    const byId = new Map(lines.map((l) => [l.id, l]));
    for (const row of rows()) {
      const l = byId.get(row.dataset.id);
      if (!l) continue;
      row.dataset.state = l.state;
      row.className = `recording-line state-${l.state}`;
      const cell = row.querySelector('.recording-state');
      const label = cell.querySelector('.state-label');
      if (label.textContent !== l.state_label) label.textContent = l.state_label;
      let bar = cell.querySelector('progress');
      if (l.state === 'processing') {
        if (!bar) {
          bar = Object.assign(document.createElement('progress'), { max: 100 });
          cell.append(' ', bar);
        }
        bar.value = l.progress;
        bar.textContent = `${l.progress} %`;
      } else bar?.remove();
      row.querySelector('.recording-duration').textContent = l.duration;
      row.querySelector('.recording-size').textContent = l.size;
      const download = row.querySelector('.download-link');
      if (download) download.hidden = l.state !== 'ready';
    }
    return !lines.some((l) => BUSY.has(l.state));
  });
}

function uploads() {
  const section = document.getElementById('recording-upload');
  if (!section) return;
  const form = section.querySelector('form');
  const status = section.querySelector('.upload-status');
  const say = (text) => { status.textContent = text; };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await uploadRecording(file, {
        place: form.elements.place.value,
        title: form.elements.title.value || file.name.replace(/\.[^.]+$/, ''),
        csrf: section.dataset.csrf,
        onProgress: (sent, total) => say(section.dataset.progress.replace('{percent}', String(Math.floor((100 * sent) / total)))),
        onRetry: () => say(section.dataset.retrying),
      });
      say(section.dataset.done);
      // The new line appears with its progress: the list is the server's.
      setTimeout(() => location.reload(), 1500);
    } catch (err) {
      say(err.message);
    } finally {
      button.disabled = false;
    }
  });
}

if (list) follow();
uploads();
