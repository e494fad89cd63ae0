// The backstage of a session (/s/<slug>/backstage, PRODUCT W3, W4, C9): staff only (the server
// checks). First the check page (camera off for a session's staff, connection test), then the
// meeting of the room (room/meeting.js: grid, controls, chat, people) on the session's socket,
// and beside it the live's controls (live_controls.js): the live state banner, Start / Stop
// the live and the audience count for moderators, the stage editor and a preview of what
// attendees see (moderators), the content panel (moderators and speakers).
//
// The server's template gives <main id="session" data-slug data-title data-live-state
// data-starts-at data-ends-at data-time-zone data-role [data-csrf] [data-lang]>.

import { sessionSocketUrl } from '../protocol.js';
import { announce, setupAnnouncer } from '../room/announce.js';
import { showCheckPage } from '../room/check.js';
import { h } from '../room/dom.js';
import { addBundles, bind, languageSelect, pickLanguage, setLanguage, t } from '../room/i18n.js';
import { Meeting } from '../room/meeting.js';
import { LiveControls } from './live_controls.js';

const root = document.getElementById('session');

async function main() {
  const slug = root.dataset.slug || decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
  const title = root.dataset.title || slug;
  addBundles('webinar', 'content');
  await setLanguage(pickLanguage(root.dataset.lang));

  const controls = new LiveControls({
    slug,
    title,
    csrf: root.dataset.csrf || document.querySelector('meta[name="csrf-token"]')?.content || '',
    liveState: root.dataset.liveState || 'not_started',
    role: root.dataset.role || 'speaker',
  });
  const content = h('div', { class: 'room-content backstage-content' });
  root.replaceChildren(header(title, controls), content);
  setupAnnouncer(root);

  // A session's staff enter with the camera off (PRODUCT W2); the check page lets them turn it on.
  const choice = await showCheckPage(content, {
    roomName: title, cameraOn: false, title: 'backstage_check_title', join: 'enter_backstage',
  });
  const meetingBox = h('div', { class: 'backstage-meeting' });
  const layout = h('div', { class: 'backstage' }, meetingBox, controls.side);
  content.replaceChildren(layout);
  const meeting = new Meeting(meetingBox, {
    ...choice,
    slug,
    roomName: title,
    socketUrl: sessionSocketUrl(slug),
    roomMenu: false,
    roleChanges: false,
    onConnection: (conn) => controls.attach(conn),
    onEnd: (reason) => showEnd(content, reason),
  });
  controls.meeting = meeting;
  try {
    await meeting.start();
  } catch (err) {
    meeting.end(err && err.code ? err : { code: 'connection_failed', message: String(err) });
  }
}

function header(title, controls) {
  const select = languageSelect();
  return h('header', { class: 'room-header webinar-header' },
    h('span', { class: 'room-title' }, title),
    controls.bar,
    h('span', { class: 'header-end' }, select));
}

/** After leaving the backstage (or being refused): say why, offer to come back. */
function showEnd(content, reason) {
  const code = reason?.code || 'connection_failed';
  const keys = {
    left: ['backstage_left_title', 'backstage_left_detail'],
    meeting_ended: ['session_gone', 'session_gone_detail'],
    removed: ['removed_title', 'removed_detail'],
    replaced: ['replaced_title', 'replaced_detail'],
  };
  const [title, detail] = keys[code] || ['connection_failed_title', 'connection_failed_detail'];
  const heading = bind(h('h1', { id: 'end-title', tabindex: '-1' }), { text: title });
  const page = h('section', { class: `end-page end-${code}`, 'aria-labelledby': 'end-title' }, heading, bind(h('p'), { text: detail }));
  if (code !== 'meeting_ended' && code !== 'removed') {
    const back = bind(h('button', { type: 'button', class: 'primary-button' }), { text: 'back_to_backstage' });
    back.addEventListener('click', () => location.reload());
    page.append(back);
  }
  content.replaceChildren(page);
  heading.focus();
  announce(`${t(title)} ${t(detail)}`);
}

main().catch((e) => {
  console.error('amphi: backstage failed', e);
  root.textContent = String(e);
});
