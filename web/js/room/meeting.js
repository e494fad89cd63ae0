// The room once joined: wires the protocol's events to the tiles, the panels (chat, people)
// and the toolbar, and the toolbar to the protocol. It holds the local tracks (microphone,
// camera, screen) and what is known of the others (participants, publications, knocks); every
// welcome (first join or reconnect) rebuilds the remote part from scratch. Before the welcome
// the join may be held (closed room, waiting room): the waiting screen shows meanwhile.

import { RoomConnection, roomSocketUrl } from '../protocol.js';
import { announce } from './announce.js';
import { ChatPanel } from './chat.js';
import { Controls } from './controls.js';
import { openCamera, openMicrophone, openScreen, saveDevice } from './devices.js';
import { h } from './dom.js';
import { Grid } from './grid.js';
import { bind, t } from './i18n.js';
import { Notices, RoomMenu, confirmDialog, moderatedText } from './moderation.js';
import { Panels } from './panels.js';
import { PeoplePanel } from './people.js';
import { may } from './permissions.js';
import { SettingsDialog } from './settings.js';
import { WaitingView } from './waiting.js';
import { mountRecording } from '../recording.js';
import { mountStream } from '../stream.js';
import { mountNotes } from '../notes.js';
import { mountPolls } from '../polls.js';

const SELF = 'self'; // the local tile's key: our participant id may change after a fresh rejoin
const LOCAL_SCREEN = 'local-screen';

export class Meeting {
  /**
   * @param {HTMLElement} container
   * @param {{slug: string, roomName: string, name: string, camera, microphone, cameraOn, microphoneOn,
   *          onCount?: (n: number) => void, onEnd: (reason: {code: string, message?: string}) => void,
   *          socketUrl?: string, onConnection?: (conn: RoomConnection) => void, roomMenu?: boolean,
   *          roleChanges?: boolean}} opts
   * A session's backstage (webinar/backstage.js) gives its own socketUrl, listens to the
   * connection's webinar events through onConnection (called before connecting), and has no
   * room menu (roomMenu: false: a session's room is not opened or closed from its backstage) and
   * no role switches (roleChanges: false: a session's roles come from the session).
   */
  constructor(container, opts) {
    this.opts = opts;
    this.name = opts.name;
    this.camera = opts.camera;
    this.microphone = opts.microphone;
    this.cameraOn = !!(opts.cameraOn && opts.camera);
    this.microphoneOn = !!(opts.microphoneOn && opts.microphone);
    this.screen = null;
    this.participants = new Map(); // id -> {id, name, role, connection, hand_raised}
    this.publications = new Map(); // id -> publication
    this.knocks = new Map(); // knock id -> {id, name, since, removed_before}, for those who may admit
    this.role = 'participant';
    this.hand = null; // our hand's order key, null when down
    this.waitingRoom = false;
    this.closingRoom = false; // we asked to close the room: the end page says "you closed it"
    this.ended = false;
    this.container = container;

    this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
    this.main = h('div', { class: 'meeting-main' });
    this.el = h('section', { class: 'meeting', 'aria-labelledby': 'meeting-title' },
      h('h1', { id: 'meeting-title', class: 'sr-only' }, opts.roomName),
      this.banner, this.main);
    // Until the server answers (welcome or waiting), a plain "Joining…".
    this.joining = bind(h('p', { class: 'joining', role: 'status' }), { text: 'joining' });
    container.replaceChildren(this.joining);
    this.waitingView = new WaitingView({
      onOpen: () => this.conn?.setRoomOpen(true),
      onLeave: () => this.leave(),
    });
    this.grid = new Grid(this.main, { onVideoSize: (pub, w, hgt) => this.conn?.setVideoSize(pub, w, hgt) });
    this.notices = new Notices(this.el);
    this.controls = new Controls(this.el, {
      onMicrophone: () => this.toggleMicrophone(),
      onCamera: () => this.toggleCamera(),
      onScreen: () => (this.screen ? this.stopScreen() : this.startScreen()),
      onHand: () => this.conn?.raiseHand(this.hand === null),
      onSettings: () => this.settings.open({
        cameraId: this.camera?.getSettings().deviceId,
        microphoneId: this.microphone?.getSettings().deviceId,
      }),
      onLeave: () => this.leave(),
    });
    this.settings = new SettingsDialog(this.el, {
      onCamera: (id) => this.switchCamera(id),
      onMicrophone: (id) => this.switchMicrophone(id),
    });

    this.grid.addParticipant({ id: SELF, name: this.name, local: true });
    this.grid.setCamera(SELF, this.cameraOn ? this.camera : null);
    this.grid.setCameraMuted(SELF, !this.cameraOn);
    this.grid.setMicrophoneMuted(SELF, !this.microphoneOn);
    this.controls.setMicrophone(this.microphoneOn, !!this.microphone);
    this.controls.setCamera(this.cameraOn, !!this.camera);
    this.controls.setScreen(false);

    this.chat = new ChatPanel({
      onSend: (text) => this.conn?.sendChat(text),
      isSelf: (id) => id === this.conn?.participantId,
      onUnread: (n) => this.controls.setChatUnread(n),
    });
    this.people = new PeoplePanel({
      admit: (ids) => this.conn?.admit(ids),
      deny: (ids) => this.conn?.deny(ids),
      mute: (id, source) => this.conn?.mute(id, source),
      remove: (p) => this.confirmRemove(p),
      setRole: opts.roleChanges === false ? null : (id, role) => this.conn?.setRole(id, role),
      lowerHand: (id) => this.conn?.lowerHand(id),
      raiseHand: (raised) => this.conn?.raiseHand(raised),
    });
    this.panels = new Panels(this.main);
    this.panels.add('chat', {
      title: 'chat', content: this.chat.content, button: this.controls.chat,
      onOpen: () => { this.chat.setOpen(true); this.chat.focus(); },
      onClose: () => this.chat.setOpen(false),
    });
    this.panels.add('people', {
      title: 'people', content: this.people.el, button: this.controls.people,
      onOpen: () => { this.refreshPeople(); this.people.el.querySelector('h3')?.focus(); },
    });
    this.roomMenu = new RoomMenu(this.el, {
      button: this.controls.roomMenu,
      onCloseRoom: () => {
        this.closingRoom = true;
        this.conn?.setRoomOpen(false);
      },
      onWaitingRoom: (on) => this.conn?.setWaitingRoom(on),
    });
    this.refreshRole();
  }

  /** Connects and joins; rejects with {code, message} if the server refuses. */
  async start() {
    const conn = new RoomConnection({ url: this.opts.socketUrl || roomSocketUrl(this.opts.slug), name: this.name });
    this.conn = conn;
    mountRecording(conn, this.el); // the recording indicator and controls (issue 7)
    mountStream(conn, this.el); // the stream's state and controls (issue 8)
    mountNotes(conn, this); // the shared notes panel (issue 9, C5)
    mountPolls(conn, this); // live polls (issue 9, C7)
    this.opts.onConnection?.(conn);
    // Register what we send before connecting: the first welcome publishes it all at once.
    if (this.microphone) await conn.publish('microphone', this.microphone, { muted: !this.microphoneOn });
    if (this.camera) await conn.publish('camera', this.cameraOn ? this.camera : null, { kind: 'video', muted: !this.cameraOn });
    if (this.camera && !this.cameraOn) this.camera.stop();

    conn.addEventListener('waiting', (e) => this.onWaiting(e.detail));
    conn.addEventListener('welcome', (e) => this.onWelcome(e.detail));
    conn.addEventListener('state', (e) => this.onState(e.detail));
    conn.addEventListener('room_updated', (e) => this.onRoomUpdated(e.detail));
    conn.addEventListener('knock_added', (e) => this.onKnockAdded(e.detail.knock));
    conn.addEventListener('knock_removed', (e) => this.onKnockRemoved(e.detail));
    conn.addEventListener('moderated', (e) => this.onModerated(e.detail));
    conn.addEventListener('chat_message', (e) => this.chat.add(e.detail.message));
    conn.addEventListener('meeting_ended', (e) => this.end({ code: 'meeting_ended', ...e.detail, byMe: this.closingRoom }));
    conn.addEventListener('participant_joined', (e) => this.onParticipantJoined(e.detail.participant));
    conn.addEventListener('participant_updated', (e) => this.onParticipantUpdated(e.detail.participant));
    conn.addEventListener('participant_left', (e) => this.onParticipantLeft(e.detail.participant_id, e.detail.reason));
    conn.addEventListener('publication_added', (e) => this.onPublicationAdded(e.detail.publication));
    conn.addEventListener('publication_removed', (e) => this.onPublicationRemoved(e.detail.publication_id));
    conn.addEventListener('publication_muted', (e) => this.onPublicationMuted(e.detail.publication_id, e.detail.muted));
    conn.addEventListener('active_speaker', (e) => this.grid.setActiveSpeaker(this.key(e.detail.participant_id)));
    conn.addEventListener('subscription', (e) => this.onSubscription(e.detail));
    conn.addEventListener('subscription_ended', (e) => this.onSubscriptionEnded(e.detail));
    conn.addEventListener('server_error', (e) => this.onServerError(e.detail));
    conn.addEventListener('fatal', (e) => this.end(e.detail));
    // Closing the tab is leaving, not a drop: the others should not wait 30 s for us.
    this.onPageHide = () => this.conn?.leave();
    window.addEventListener('pagehide', this.onPageHide);
    // A page restored from the back/forward cache has left the room on its way out (pagehide):
    // start afresh rather than show a meeting that is no longer connected.
    this.onPageShow = (event) => { if (event.persisted) window.location.reload(); };
    window.addEventListener('pageshow', this.onPageShow);
    await conn.connect();
  }

  key(participantId) {
    return participantId && participantId === this.conn?.participantId ? SELF : participantId;
  }

  // ---- Protocol events ------------------------------------------------------------------

  /** The join is held: show why (closed room, knocking) until the welcome. */
  onWaiting(w) {
    if (this.ended) return;
    // Were we in the meeting before (a reconnect that has to wait)? Its view is stale now.
    this.participants.clear();
    this.publications.clear();
    this.grid.clearRemote();
    this.panels.close();
    if (this.waitingView.el.parentNode !== this.container) this.container.replaceChildren(this.waitingView.el);
    this.waitingView.setPreview(this.cameraOn && this.camera?.readyState === 'live' ? this.camera : null);
    this.waitingView.update(w);
  }

  onWelcome(w) {
    if (this.el.parentNode !== this.container) {
      this.waitingView.setPreview(null);
      this.container.replaceChildren(this.el);
      this.grid.layout();
      // Media elements pause while out of the document (our preview was set up before): resume.
      for (const media of this.el.querySelectorAll('video, audio')) media.play().catch(() => {});
    }
    this.participants.clear();
    this.publications.clear();
    this.grid.clearRemote();
    this.role = w.role || 'participant';
    this.hand = null;
    this.waitingRoom = !!w.waiting_room;
    this.knocks = new Map((w.knocks || []).map((k) => [k.id, k]));
    for (const p of w.participants || []) this.addParticipant(p);
    for (const pub of w.publications || []) this.onPublicationAdded(pub);
    this.chat.setHistory(w.chat || []);
    this.grid.setActiveSpeaker(w.active_speaker ? this.key(w.active_speaker) : null);
    this.controls.setHand(false);
    this.roomMenu.setWaitingRoom(this.waitingRoom);
    this.refreshRole();
    this.updateCount();
    if (w.reconnected) announce(t('reconnected'));
    else announce(t('joined', { room: this.opts.roomName, count: this.participants.size }));
  }

  // ---- Roles, people, lobby -------------------------------------------------------------

  me() {
    return { id: this.conn?.participantId ?? SELF, name: this.name, role: this.role, hand_raised: this.hand };
  }

  /** Shows the controls our role allows (after the welcome and after each change of role). */
  refreshRole() {
    const menu = this.opts.roomMenu !== false;
    this.roomMenu.setAllowed({ openClose: menu && may(this.role, 'open_close'), lock: menu && may(this.role, 'lock') });
    if (!may(this.role, 'admit')) this.knocks.clear();
    this.refreshPeople();
  }

  refreshPeople() {
    const knocking = may(this.role, 'admit') ? this.knocks.size : 0;
    this.controls.setPeople(this.participants.size + 1, knocking);
    // Rendering only while shown: nobody sees a closed panel, and opening it renders afresh.
    if (!this.panels?.isOpen('people')) return;
    this.people.render({
      me: this.me(),
      participants: [...this.participants.values()],
      knocks: [...this.knocks.values()].sort((a, b) => a.since - b.since),
      sources: (pid) => {
        const out = new Map();
        for (const pub of this.publications.values()) if (pub.participant_id === pid) out.set(pub.source, { muted: !!pub.muted });
        return out;
      },
    });
  }

  onSelfUpdated(p) {
    const roleChanged = p.role && p.role !== this.role;
    this.role = p.role || this.role;
    const hand = p.hand_raised ?? null;
    if (hand !== this.hand) {
      this.hand = hand;
      this.controls.setHand(hand !== null);
      announce(t(hand !== null ? 'your_hand_raised' : 'your_hand_lowered'));
    }
    if (roleChanged) this.refreshRole();
    else this.refreshPeople();
  }

  onRoomUpdated({ waiting_room: on }) {
    this.waitingRoom = !!on;
    this.roomMenu.setWaitingRoom(this.waitingRoom);
    announce(t(this.waitingRoom ? 'waiting_room_on' : 'waiting_room_off'));
  }

  onKnockAdded(knock) {
    // Only those who may admit get knocks; this may come just before our own promotion.
    if (!knock) return;
    const isNew = !this.knocks.has(knock.id);
    this.knocks.set(knock.id, knock);
    this.refreshPeople();
    if (isNew) announce(t('knock_announce', { name: knock.name }));
  }

  onKnockRemoved({ knock_id: id }) {
    if (!this.knocks.delete(id)) return;
    this.refreshPeople();
  }

  async confirmRemove(p) {
    const ok = await confirmDialog(this.el, {
      title: 'remove_confirm_title', detail: 'remove_confirm_detail', confirm: 'remove_confirm', args: { name: p.name },
    });
    if (ok) this.conn?.remove(p.id);
  }

  /** A moderator acted on us: say who did what, and do it here too (stop sending). */
  async onModerated(m) {
    this.notices.show(moderatedText(m));
    if (m.action === 'muted' && m.source === 'microphone' && this.microphoneOn) await this.toggleMicrophone({ quiet: true });
    if (m.action === 'camera_stopped' && this.cameraOn) await this.toggleCamera({ quiet: true });
    if (m.action === 'screen_stopped' && this.screen) await this.stopScreen({ quiet: true });
  }

  onServerError(e) {
    console.warn('amphi: server error', e);
    if (e.request === 'chat_send') return this.chat.showError(e.code);
    if (e.code === 'forbidden') return this.notices.show(t('not_allowed'));
    if (e.request === 'set_room_open' || e.request === 'set_waiting_room') {
      this.closingRoom = false;
      return this.notices.show(t('room_change_failed'));
    }
    return undefined;
  }

  onState({ state }) {
    this.el.classList.toggle('reconnecting', state === 'reconnecting');
    if (state === 'reconnecting') {
      bind(this.banner, { text: 'reconnecting' });
      this.banner.hidden = false;
      announce(t('reconnecting'));
    } else {
      this.banner.hidden = true;
    }
  }

  addParticipant(p) {
    if (p.id === this.conn.participantId) return;
    this.participants.set(p.id, p);
    this.grid.addParticipant({ id: p.id, name: p.name });
    // Off until their publications say otherwise (someone who joins with both off publishes nothing).
    this.grid.setMicrophoneMuted(p.id, true);
    this.grid.setCameraMuted(p.id, true);
    this.grid.participant(p.id)?.el.classList.toggle('reconnecting', p.connection === 'reconnecting');
  }

  onParticipantJoined(p) {
    this.addParticipant(p);
    this.updateCount();
    announce(t('participant_joined', { name: p.name }));
  }

  onParticipantUpdated(p) {
    if (p.id === this.conn.participantId) return this.onSelfUpdated(p);
    if (!this.participants.has(p.id)) return this.onParticipantJoined(p);
    const before = this.participants.get(p.id);
    this.participants.set(p.id, p);
    this.grid.setName(p.id, p.name);
    this.grid.participant(p.id)?.el.classList.toggle('reconnecting', p.connection === 'reconnecting');
    if ((p.hand_raised ?? null) !== null && (before.hand_raised ?? null) === null) announce(t('hand_raised_by', { name: p.name }));
    this.refreshPeople();
    return undefined;
  }

  onParticipantLeft(id, reason) {
    const p = this.participants.get(id);
    if (!p) return;
    this.participants.delete(id);
    for (const [pubId, pub] of [...this.publications]) if (pub.participant_id === id) this.onPublicationRemoved(pubId);
    this.grid.removeParticipant(id);
    this.updateCount();
    announce(t(reason === 'removed' ? 'participant_removed' : 'participant_left', { name: p.name }));
  }

  onPublicationAdded(pub) {
    this.publications.set(pub.id, pub);
    this.refreshPeople();
    if (pub.participant_id === this.conn.participantId) return;
    this.applyMuted(pub);
    if (pub.source === 'screen') {
      const name = this.participants.get(pub.participant_id)?.name ?? '';
      announce(t('screen_started', { name }));
    }
  }

  onPublicationRemoved(id) {
    const pub = this.publications.get(id);
    this.publications.delete(id);
    this.refreshPeople();
    if (!pub || pub.participant_id === this.conn.participantId) return;
    if (pub.source === 'screen') this.grid.removeScreen(id);
    if (pub.source === 'camera') {
      this.grid.setCamera(pub.participant_id, null);
      this.grid.setCameraMuted(pub.participant_id, true);
    }
    if (pub.source === 'microphone') {
      this.grid.setAudio(pub.participant_id, null);
      this.grid.setMicrophoneMuted(pub.participant_id, true);
    }
  }

  onPublicationMuted(id, muted) {
    const pub = this.publications.get(id);
    if (!pub) return;
    pub.muted = muted;
    this.refreshPeople();
    // Our own mute state follows our buttons; a moderator's mute comes with `moderated`.
    if (pub.participant_id !== this.conn.participantId) this.applyMuted(pub);
  }

  applyMuted(pub) {
    if (pub.source === 'microphone') this.grid.setMicrophoneMuted(pub.participant_id, pub.muted);
    if (pub.source === 'camera') this.grid.setCameraMuted(pub.participant_id, pub.muted);
  }

  onSubscription(s) {
    const pid = s.participantId;
    if (s.source === 'screen' && s.kind === 'video') {
      const name = this.participants.get(pid)?.name ?? '';
      this.grid.addScreen(s.publicationId, { name, track: s.track });
    } else if (s.kind === 'video') {
      this.grid.setCamera(pid, s.track, s.publicationId);
      this.grid.setCameraMuted(pid, this.publications.get(s.publicationId)?.muted ?? false);
    } else if (s.kind === 'audio') {
      this.grid.setAudio(pid, s.track);
    }
  }

  onSubscriptionEnded(s) {
    const pub = this.publications.get(s.publicationId);
    const source = pub?.source;
    if (this.grid.screens.has(s.publicationId)) this.grid.removeScreen(s.publicationId);
    if (!pub) return;
    if (source === 'camera') this.grid.setCamera(pub.participant_id, null);
    if (source === 'microphone') this.grid.setAudio(pub.participant_id, null);
  }

  updateCount() {
    this.opts.onCount?.(this.participants.size + 1);
    this.refreshPeople();
  }

  // ---- Local controls -------------------------------------------------------------------

  async toggleMicrophone({ quiet = false } = {}) {
    if (!this.microphone) return;
    this.microphoneOn = !this.microphoneOn;
    if (this.microphoneOn && this.microphone.readyState === 'ended') {
      const { track } = await openMicrophone();
      if (!track) {
        this.microphoneOn = false;
        return;
      }
      this.microphone = track;
      await this.conn.replaceTrack('microphone', track);
    }
    await this.conn.setMuted('microphone', !this.microphoneOn);
    this.grid.setMicrophoneMuted(SELF, !this.microphoneOn);
    this.controls.setMicrophone(this.microphoneOn);
    if (!quiet) announce(t(this.microphoneOn ? 'microphone_is_on' : 'microphone_is_off'));
  }

  async toggleCamera({ quiet = false } = {}) {
    if (this.cameraOn) {
      this.cameraOn = false;
      await this.conn.setMuted('camera', true);
      // Stopping the track switches the camera (and its light) off while muted.
      this.camera?.stop();
      this.grid.setCamera(SELF, null);
      this.grid.setCameraMuted(SELF, true);
    } else {
      const { track } = await openCamera();
      if (!track) return;
      this.camera = track;
      this.cameraOn = true;
      await this.conn.replaceTrack('camera', track);
      await this.conn.setMuted('camera', false);
      this.grid.setCamera(SELF, track);
      this.grid.setCameraMuted(SELF, false);
    }
    this.controls.setCamera(this.cameraOn);
    if (!quiet) announce(t(this.cameraOn ? 'camera_is_on' : 'camera_is_off'));
  }

  async switchCamera(deviceId) {
    saveDevice('video', deviceId);
    if (!this.cameraOn) return;
    const { track } = await openCamera(deviceId);
    if (!track) return;
    const old = this.camera;
    this.camera = track;
    await this.conn.replaceTrack('camera', track);
    this.grid.setCamera(SELF, track);
    old?.stop();
  }

  async switchMicrophone(deviceId) {
    saveDevice('audio', deviceId);
    const { track } = await openMicrophone(deviceId);
    if (!track) return;
    const old = this.microphone;
    this.microphone = track;
    await this.conn.replaceTrack('microphone', track);
    old?.stop();
  }

  async startScreen() {
    const track = await openScreen();
    if (!track) return;
    this.screen = track;
    track.addEventListener('ended', () => this.stopScreen());
    this.grid.addScreen(LOCAL_SCREEN, { name: this.name, track, local: true });
    this.controls.setScreen(true);
    announce(t('you_share_screen'));
    await this.conn.publish('screen', track);
  }

  async stopScreen({ quiet = false } = {}) {
    if (!this.screen) return;
    const track = this.screen;
    this.screen = null;
    track.stop();
    this.grid.removeScreen(LOCAL_SCREEN);
    this.controls.setScreen(false);
    if (!quiet) announce(t('you_stopped_sharing'));
    await this.conn.unpublish('screen');
  }

  leave() {
    this.conn?.leave();
    this.end({ code: 'left' });
  }

  /** Stops everything and hands over to whoever shows the end page. */
  end(reason) {
    if (this.ended) return;
    this.ended = true;
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('pageshow', this.onPageShow);
    for (const track of [this.camera, this.microphone, this.screen]) track?.stop();
    this.opts.onEnd(reason);
  }
}
