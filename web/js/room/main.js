// Entry point of the room page (/r/<slug>): language, check page, then the meeting.
// The server's template gives <main id="room" data-slug data-room-name data-lang>.

import { setupAnnouncer, announce } from './announce.js';
import { showCheckPage } from './check.js';
import { h, icon } from './dom.js';
import { byName } from './moderation.js';
import { bind, languageSelect, pickLanguage, setLanguage, t } from './i18n.js';
import { Meeting } from './meeting.js';

const root = document.getElementById('room');

async function main() {
  const slug = root.dataset.slug || decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
  const roomName = root.dataset.roomName || slug;
  await setLanguage(pickLanguage(root.dataset.lang));

  const content = h('div', { class: 'room-content' });
  root.replaceChildren(header(roomName), content);
  setupAnnouncer(root);

  const choice = await showCheckPage(content, { roomName });
  await joinRoom(content, { slug, roomName, ...choice });
}

/** Joins with what the check page gave; on a refusal shows why. */
async function joinRoom(content, choice) {
  const count = document.getElementById('participant-count');
  const meeting = new Meeting(content, {
    ...choice,
    onCount: (n) => {
      count.hidden = false;
      bind(count.querySelector('.count-text'), { text: 'people_here', args: { count: n } });
    },
    onEnd: (reason) => {
      count.hidden = true;
      showEnd(content, choice, reason);
    },
  });
  try {
    await meeting.start();
  } catch (err) {
    meeting.end(err && err.code ? err : { code: 'connection_failed', message: String(err) });
  }
}

/** The page after the meeting: left, room full, refused, removed, ended, or unreachable. */
function showEnd(content, choice, reason) {
  const code = reason?.code || 'connection_failed';
  const known = {
    left: ['left_title', 'left_detail', 'join_again'],
    room_full: ['room_full_title', 'room_full_detail', 'try_again'],
    too_many_connections: ['too_many_connections_title', 'too_many_connections_detail', 'try_again'],
    room_closed: ['room_closed_title', 'room_closed_detail', 'try_again'],
    room_not_found: ['room_not_found_title', 'room_not_found_detail', null],
    replaced: ['replaced_title', 'replaced_detail', 'join_again'],
    removed: ['removed_title', 'removed_detail', null],
    denied: ['denied_title', 'denied_detail', null],
    knock_expired: ['knock_expired_title', 'knock_expired_detail', 'try_again'],
    // Reloading shows the room's registration gate (register, or e-mail + registration ID).
    registration_required: ['registration_required_title', 'registration_required_detail', 'try_again'],
    invalid_name: ['invalid_name_title', 'invalid_name_detail', 'try_again'],
    meeting_ended: ['meeting_ended_title', 'meeting_ended_detail', 'join_again'],
  };
  let [title, detail, action] = known[code] || ['connection_failed_title', 'connection_failed_detail', 'try_again'];
  let args = {};
  const by = byName(reason?.by);
  if (code === 'removed' && by) [detail, args] = ['removed_by_detail', { name: by }];
  if (code === 'meeting_ended') {
    if (reason.reason === 'room_deleted') [title, detail, action] = ['room_deleted_title', 'room_deleted_detail', null];
    else if (reason.byMe) detail = 'meeting_ended_by_you';
    else if (by) [detail, args] = ['meeting_ended_by', { name: by }];
  }
  const heading = bind(h('h1', { id: 'end-title', tabindex: '-1' }), { text: title });
  const text = bind(h('p'), { text: detail, args });
  const page = h('section', { class: `end-page end-${code}`, 'aria-labelledby': 'end-title' }, heading, text);
  // The server's own words name who removed us when no `by` came with the error (English).
  if (code === 'removed' && !by && reason?.message) page.append(h('p', { class: 'end-server-message', lang: 'en' }, reason.message));
  if (action) {
    const button = bind(h('button', { type: 'button', class: 'primary-button' }), { text: action });
    // Going through the check page again re-opens the devices that were released on leaving.
    button.addEventListener('click', () => location.reload());
    page.append(button);
  }
  content.replaceChildren(page);
  heading.focus();
  announce(`${t(title)} ${t(detail, args)}`);
}

function header(roomName) {
  const select = languageSelect();
  const count = h('span', { class: 'participant-count', id: 'participant-count', hidden: true },
    icon('people'), h('span', { class: 'count-text' }));
  return h('header', { class: 'room-header' },
    h('span', { class: 'room-title' }, roomName),
    h('span', { class: 'header-end' }, count, select));
}

main().catch((e) => {
  console.error('amphi: room page failed', e);
  root.textContent = String(e);
});
