// The room once joined: wires the protocol's events to the tiles and the toolbar to the
// protocol. It holds the local tracks (microphone, camera, screen) and what is known of the
// others (participants, publications); every welcome (first join or reconnect) rebuilds the
// remote part from scratch.

import { RoomConnection, roomSocketUrl } from '../protocol.js';
import { announce } from './announce.js';
import { Controls } from './controls.js';
import { openCamera, openMicrophone, openScreen, saveDevice } from './devices.js';
import { h } from './dom.js';
import { Grid } from './grid.js';
import { bind, t } from './i18n.js';
import { SettingsDialog } from './settings.js';

const SELF = 'self'; // the local tile's key: our participant id may change after a fresh rejoin
const LOCAL_SCREEN = 'local-screen';

export class Meeting {
  /**
   * @param {HTMLElement} container
   * @param {{slug: string, roomName: string, name: string, camera, microphone, cameraOn, microphoneOn,
   *          onCount?: (n: number) => void, onEnd: (reason: {code: string, message?: string}) => void}} opts
   */
  constructor(container, opts) {
    this.opts = opts;
    this.name = opts.name;
    this.camera = opts.camera;
    this.microphone = opts.microphone;
    this.cameraOn = !!(opts.cameraOn && opts.camera);
    this.microphoneOn = !!(opts.microphoneOn && opts.microphone);
    this.screen = null;
    this.participants = new Map(); // id -> {id, name, role, connection}
    this.publications = new Map(); // id -> publication
    this.ended = false;

    this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
    this.countEl = h('span', { class: 'count' });
    this.main = h('div', { class: 'meeting-main' });
    this.el = h('section', { class: 'meeting', 'aria-labelledby': 'meeting-title' },
      h('h1', { id: 'meeting-title', class: 'sr-only' }, opts.roomName),
      this.banner, this.main);
    container.replaceChildren(this.el);
    this.grid = new Grid(this.main, { onVideoSize: (pub, w, hgt) => this.conn?.setVideoSize(pub, w, hgt) });
    this.controls = new Controls(this.el, {
      onMicrophone: () => this.toggleMicrophone(),
      onCamera: () => this.toggleCamera(),
      onScreen: () => (this.screen ? this.stopScreen() : this.startScreen()),
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
  }

  /** Connects and joins; rejects with {code, message} if the server refuses. */
  async start() {
    const conn = new RoomConnection({ url: roomSocketUrl(this.opts.slug), name: this.name });
    this.conn = conn;
    // Register what we send before connecting: the first welcome publishes it all at once.
    if (this.microphone) await conn.publish('microphone', this.microphone, { muted: !this.microphoneOn });
    if (this.camera) await conn.publish('camera', this.cameraOn ? this.camera : null, { kind: 'video', muted: !this.cameraOn });
    if (this.camera && !this.cameraOn) this.camera.stop();

    conn.addEventListener('welcome', (e) => this.onWelcome(e.detail));
    conn.addEventListener('state', (e) => this.onState(e.detail));
    conn.addEventListener('participant_joined', (e) => this.onParticipantJoined(e.detail.participant));
    conn.addEventListener('participant_updated', (e) => this.onParticipantUpdated(e.detail.participant));
    conn.addEventListener('participant_left', (e) => this.onParticipantLeft(e.detail.participant_id));
    conn.addEventListener('publication_added', (e) => this.onPublicationAdded(e.detail.publication));
    conn.addEventListener('publication_removed', (e) => this.onPublicationRemoved(e.detail.publication_id));
    conn.addEventListener('publication_muted', (e) => this.onPublicationMuted(e.detail.publication_id, e.detail.muted));
    conn.addEventListener('active_speaker', (e) => this.grid.setActiveSpeaker(this.key(e.detail.participant_id)));
    conn.addEventListener('subscription', (e) => this.onSubscription(e.detail));
    conn.addEventListener('subscription_ended', (e) => this.onSubscriptionEnded(e.detail));
    conn.addEventListener('server_error', (e) => console.warn('amphi: server error', e.detail));
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

  onWelcome(w) {
    this.participants.clear();
    this.publications.clear();
    this.grid.clearRemote();
    for (const p of w.participants || []) this.addParticipant(p);
    for (const pub of w.publications || []) this.onPublicationAdded(pub);
    this.updateCount();
    if (w.reconnected) announce(t('reconnected'));
    else announce(t('joined', { room: this.opts.roomName, count: this.participants.size }));
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
    if (!this.participants.has(p.id)) return this.onParticipantJoined(p);
    this.participants.set(p.id, p);
    this.grid.setName(p.id, p.name);
    this.grid.participant(p.id)?.el.classList.toggle('reconnecting', p.connection === 'reconnecting');
    return undefined;
  }

  onParticipantLeft(id) {
    const p = this.participants.get(id);
    if (!p) return;
    this.participants.delete(id);
    for (const [pubId, pub] of [...this.publications]) if (pub.participant_id === id) this.onPublicationRemoved(pubId);
    this.grid.removeParticipant(id);
    this.updateCount();
    announce(t('participant_left', { name: p.name }));
  }

  onPublicationAdded(pub) {
    this.publications.set(pub.id, pub);
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
  }

  // ---- Local controls -------------------------------------------------------------------

  async toggleMicrophone() {
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
    announce(t(this.microphoneOn ? 'microphone_is_on' : 'microphone_is_off'));
  }

  async toggleCamera() {
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
    announce(t(this.cameraOn ? 'camera_is_on' : 'camera_is_off'));
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

  async stopScreen() {
    if (!this.screen) return;
    const track = this.screen;
    this.screen = null;
    track.stop();
    this.grid.removeScreen(LOCAL_SCREEN);
    this.controls.setScreen(false);
    announce(t('you_stopped_sharing'));
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
