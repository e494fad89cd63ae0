// The replay on a session's page once its live has ended (W6): "being prepared" with the
// progress, then the player, on the same page (polls /s/<slug>/replay).

import { announce } from './room/announce.js';
import { h } from './room/dom.js';
import { addBundles, bind, t } from './room/i18n.js';
import { playerFor, pollStatus } from './replay_player.js';

addBundles('recording');

/** An element that follows the session's replay; put it in the ended page. */
export function sessionReplay(slug) {
  if (!document.querySelector('link[href="/static/css/recording.css"]')) {
    document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/recording.css' }));
  }
  const message = h('p', { class: 'replay-message', role: 'status' });
  const progress = h('progress', { class: 'replay-progress', max: 100, value: 0, hidden: true });
  const player = h('div', { class: 'replay-player' });
  const el = h('section', { class: 'session-replay', 'aria-label': t('replay_title') }, message, progress, player);
  let last = null;
  pollStatus(`/s/${encodeURIComponent(slug)}/replay`, ({ replay }) => {
    if (!el.isConnected && last !== null) return true; // the page moved on
    if (!replay) return false;
    el.dataset.state = replay.state; // hides the page's "will be available" line (recording.css)
    if (replay.state === 'ready') {
      bind(message, { text: 'replay_ready' });
      progress.hidden = true;
      player.replaceChildren(playerFor(replay));
      if (last !== 'ready') announce(t('replay_ready'));
      last = 'ready';
      return true;
    }
    const key = { processing: 'replay_progress', recording: 'replay_recording', failed: 'replay_failed' }[replay.state];
    bind(message, { text: key, args: { percent: replay.progress } });
    progress.hidden = replay.state !== 'processing';
    progress.value = replay.progress;
    if (last !== replay.state) announce(t(replay.state === 'processing' ? 'replay_preparing' : key));
    last = replay.state;
    return replay.state === 'failed';
  });
  return el;
}
