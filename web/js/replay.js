// The replay page (/replays/<id>): "the replay is being prepared" with its progress, then the
// player, without a reload (it polls /replays/<id>/status). The server's template gives
// <section id="replay" data-status-url data-state data-preparing data-recording data-failed>
// with the texts in the page's language.

import { playerFor, pollStatus } from './replay_player.js';

const root = document.getElementById('replay');

function main() {
  if (!root) return;
  const status = root.querySelector('.replay-status');
  const player = root.querySelector('.replay-player');
  const download = root.querySelector('.download-link');
  if (root.dataset.state === 'ready') return; // the template already holds the player
  pollStatus(root.dataset.statusUrl, (s) => {
    root.dataset.state = s.state;
    if (s.state === 'ready') {
      status.replaceChildren();
      player.replaceChildren(playerFor(s));
      if (download) download.hidden = false;
      return true;
    }
    const text = { processing: root.dataset.preparing, recording: root.dataset.recording, failed: root.dataset.failed }[s.state] || '';
    const parts = [Object.assign(document.createElement('p'), { className: 'replay-message', textContent: text })];
    if (s.state === 'processing') {
      const bar = Object.assign(document.createElement('progress'), { className: 'replay-progress', max: 100, value: s.progress });
      bar.textContent = `${s.progress} %`;
      parts.push(bar);
    }
    // Only a change of message is announced (the region is polite); the bar moves silently.
    if (status.querySelector('.replay-message')?.textContent !== text) status.replaceChildren(...parts);
    else status.querySelector('progress')?.setAttribute('value', String(s.progress));
    return s.state === 'failed';
  });
}

main();
