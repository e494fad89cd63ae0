// The attendee's page of a session (/s/<slug>, PRODUCT W7): no camera or microphone, ever.
// It connects to the session's socket as a subscribe-only participant and shows one of three
// states, in words and for screen readers: the live has not started (title and scheduled time,
// in the visitor's time and the session's zone), live (the stage: stage.js), ended (the replay
// will come here). The connection reconnects by itself after a drop (protocol.js), as the
// room's does; every welcome rebuilds the view. Polls (issue 9, C7) sit in a side panel opened
// from the header, in every state: attendees vote and see published results. A socket refused
// with `registration_required` (issue 6) sends the person to the session's gate
// (registration_gate.js).
//
// The server's template gives <main id="session" data-slug data-title data-live-state
// data-starts-at data-ends-at data-time-zone data-role [data-lang] [data-user-name]>.

import { RoomConnection, sessionSocketUrl } from '../protocol.js';
import { announce, setupAnnouncer } from '../room/announce.js';
import { h } from '../room/dom.js';
import { addBundles, bind, language, languageSelect, onLanguageChange, pickLanguage, setLanguage, t } from '../room/i18n.js';
import { mountAnnotations } from '../annotations.js';
import { mountPolls } from '../polls.js';
import { Panels } from '../room/panels.js';
import { registrationGate } from './registration_gate.js';
import { formatSchedule } from './schedule.js';
import { Stage } from './stage.js';
import { mountRecording } from '../recording.js';
import { mountStream } from '../stream.js';
import { sessionReplay } from '../replay_session.js';

const root = document.getElementById('session');

/** Attendees have no name field: the signed-in user's name, the name used before, or "Attendee". */
function attendeeName() {
  const given = (root.dataset.userName || '').trim();
  if (given) return given.slice(0, 64);
  try {
    const saved = (localStorage.getItem('amphi.name') || '').trim();
    if (saved) return saved.slice(0, 64);
  } catch {
    /* storage refused */
  }
  return t('attendee_default_name');
}

class AttendeePage {
  constructor() {
    this.slug = root.dataset.slug || decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
    this.title = root.dataset.title || this.slug;
    this.live = { state: root.dataset.liveState || 'not_started' };
    this.stageData = null;
    this.conn = null;
    this.shown = null; // which state is on screen
  }

  async start() {
    // What the server's shell says that the client does not rebuild: the description and the
    // links (the programme; for staff, the backstage).
    this.description = [...root.querySelectorAll('.session-description')].map((p) => p.textContent);
    this.links = root.querySelector('.session-links')?.cloneNode(true) || null;
    addBundles('webinar', 'content');
    await setLanguage(pickLanguage(root.dataset.lang));
    this.header = this._header();
    this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
    this.body = h('div', { class: 'attendee-body' });
    // The body and, beside it, the side panels (polls).
    this.layout = h('div', { class: 'attendee-layout' }, this.body);
    this.panels = new Panels(this.layout);
    root.replaceChildren(this.header, this.banner, this.layout);
    setupAnnouncer(root);

    this.stage = new Stage(h('div'), {
      slug: this.slug,
      playAudio: true,
      onVideoSize: (pub, w, hgt) => this.conn?.setVideoSize(pub, w, hgt),
      onAutoplayBlocked: () => { this.listen.hidden = false; },
    });
    this.listen = bind(h('button', { type: 'button', class: 'primary-button listen-button', hidden: true }), { text: 'click_to_listen' });
    this.listen.addEventListener('click', async () => {
      if (await this.stage.resumeAudio()) {
        this.listen.hidden = true;
        announce(t('listening'));
      }
    });
    onLanguageChange(() => this.render({ announceIt: false }));
    this.render({ announceIt: false });
    this.connect();
  }

  _header() {
    const select = languageSelect();
    this.pill = h('span', { class: 'live-pill' });
    this.headerEnd = h('span', { class: 'header-end' }, this.pill, select);
    return h('header', { class: 'room-header webinar-header' },
      h('span', { class: 'room-title' }, this.title), this.headerEnd);
  }

  connect() {
    const conn = new RoomConnection({ url: sessionSocketUrl(this.slug), name: attendeeName() });
    this.conn = conn;
    mountRecording(conn, root); // the recording indicator (issue 7)
    mountStream(conn, root); // the stream's state (issue 8)
    mountAnnotations(this.stage, conn); // drawing on the stage's page (issue 9)
    mountPolls(conn, { panels: this.panels }, { // live polls (issue 9, C7)
      placeButton: (button) => this.headerEnd.prepend(button),
      openOnNews: true,
    });
    conn.addEventListener('welcome', (e) => this.onWelcome(e.detail));
    conn.addEventListener('live_updated', (e) => this.onLive(e.detail.live));
    conn.addEventListener('stage_updated', (e) => {
      this.stageData = e.detail.stage;
      this.stage.update(this.stageData);
    });
    conn.addEventListener('active_speaker', (e) => this.stage.setActiveSpeaker(e.detail.participant_id));
    conn.addEventListener('subscription', (e) => this.stage.setTrack(e.detail));
    conn.addEventListener('subscription_ended', (e) => this.stage.removeTrack(e.detail.publicationId));
    conn.addEventListener('state', (e) => this.onState(e.detail.state));
    conn.addEventListener('meeting_ended', (e) => this.onGone(e.detail.reason === 'session_deleted' ? 'session_deleted' : 'meeting_ended'));
    conn.addEventListener('fatal', (e) => this.onGone(e.detail.code));
    conn.connect().catch((err) => this.onGone(err?.code || 'connection_failed'));
    window.addEventListener('pagehide', () => this.conn?.leave());
  }

  onWelcome(w) {
    if (w.live) this.live = w.live;
    this.stageData = w.stage || null;
    this.stage.clearTracks();
    this.stage.update(this.stageData);
    this.stage.setActiveSpeaker(w.active_speaker || null);
    this.render({ announceIt: !w.reconnected });
    if (w.reconnected) announce(t('reconnected'));
  }

  onLive(live) {
    if (!live) return;
    const changed = live.state !== this.live.state;
    this.live = live;
    if (live.state !== 'live') this.stage.clearTracks();
    if (changed) this.render({ announceIt: true });
  }

  onState(state) {
    const reconnecting = state === 'reconnecting';
    this.banner.hidden = !reconnecting;
    if (reconnecting) {
      bind(this.banner, { text: 'reconnecting' });
      announce(t('reconnecting'));
    }
  }

  /** The server refused or ended our connection for good. */
  onGone(code) {
    this.gone = code;
    if (code === 'registration_required' && !this.gate) {
      this.gate = registrationGate({ slug: this.slug, title: this.title });
    }
    this.render({ announceIt: true });
  }

  /** Shows the state the live is in (or why we are not connected). */
  render({ announceIt }) {
    const state = this.gone ? 'gone' : this.live.state;
    this.root = root;
    root.dataset.state = state;
    const pillKey = { not_started: 'pill_not_started', live: 'pill_live', ended: 'pill_ended' }[this.live.state] || 'pill_not_started';
    bind(this.pill, { text: pillKey });
    this.pill.dataset.state = this.live.state;
    if (state === 'live') {
      if (this.shown !== 'live') {
        const heading = h('h1', { class: 'sr-only', id: 'attendee-title' }, this.title);
        const status = bind(h('p', { class: 'sr-only attendee-state-text' }), { text: 'live_now' });
        const section = h('section', { class: 'attendee-live', 'aria-labelledby': 'attendee-title' },
          heading, status, this.stage.el, this.listen);
        this.body.replaceChildren(section);
        this.shown = 'live';
      }
      if (announceIt) announce(t('live_started_announce', { title: this.title }));
      return;
    }
    this.shown = state;
    if (state === 'gone' && this.gate) {
      // Built once (its countdown runs); a language switch retranslates it in place.
      if (this.gate.el.parentNode !== this.body) this.body.replaceChildren(this.gate.el);
      if (announceIt) announce(this.gate.message);
      return;
    }
    const heading = h('h1', { id: 'attendee-title' }, this.title);
    const parts = [heading];
    let stateKey = 'live_not_started';
    let detail = null;
    if (state === 'not_started') {
      const when = formatSchedule({
        startsAt: root.dataset.startsAt, endsAt: root.dataset.endsAt, timeZone: root.dataset.timeZone, lang: language(),
      });
      if (when) {
        parts.push(h('p', { class: 'schedule' },
          bind(h('span', { class: 'schedule-label' }), { text: 'scheduled_for' }), ' ',
          h('time', { datetime: when.iso }, when.local), ' ',
          bind(h('span', { class: 'schedule-zone' }), { text: 'your_time' })));
        if (when.zoned) parts.push(bind(h('p', { class: 'schedule schedule-session-zone' }), { text: 'session_time', args: { time: when.zoned, zone: when.zone } }));
      }
      detail = 'live_not_started_detail';
    } else if (state === 'ended') {
      stateKey = 'live_ended';
      detail = 'replay_later';
    } else {
      const known = { session_deleted: 'session_gone', room_full: 'session_full', meeting_ended: 'live_ended' };
      stateKey = known[this.gone] || 'connection_lost';
      detail = known[this.gone] ? null : 'connection_lost_detail';
    }
    const stateText = bind(h('p', { class: 'attendee-state-text' }), { text: stateKey });
    parts.splice(1, 0, stateText);
    // Ended: "the replay will be available here" until the replay shows its own state (css).
    if (detail) parts.push(bind(h('p', { class: 'attendee-detail' }), { text: detail }));
    if (state === 'ended') parts.push(this.replay ||= sessionReplay(this.slug)); // W6 (issue 7)
    if (state !== 'gone') for (const text of this.description) parts.push(h('p', { class: 'session-description' }, text));
    if (this.links) parts.push(this.links);
    if (state === 'gone' && !['session_deleted', 'meeting_ended'].includes(this.gone)) {
      const retry = bind(h('button', { type: 'button', class: 'primary-button' }), { text: 'try_again' });
      retry.addEventListener('click', () => location.reload());
      parts.push(retry);
    }
    this.body.replaceChildren(h('section', { class: `attendee-waiting attendee-${state}`, 'aria-labelledby': 'attendee-title' }, ...parts));
    if (announceIt) announce(`${t(stateKey)}${detail ? ` ${t(detail)}` : ''}`);
  }
}

new AttendeePage().start().catch((e) => {
  console.error('amphi: session page failed', e);
  root.textContent = String(e);
});
