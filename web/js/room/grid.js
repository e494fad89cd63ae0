// The tiles: one per participant (camera or initials, name, microphone state, speaking ring),
// one per shared screen. Shared screens and a pinned tile go on the large stage, the others
// in a strip; otherwise everyone shares a grid sized so that 16:9 tiles are as large as fit.
// Each remote video's shown size is reported (onVideoSize) so the server forwards the
// simulcast layer that fits.

import { h, icon, initials } from './dom.js';
import { bind } from './i18n.js';

const RATIO = 16 / 9;
const GAP = 8;

export class Grid {
  /**
   * @param {HTMLElement} container
   * @param {{onVideoSize: (publicationId: string, width: number, height: number) => void}} opts
   */
  constructor(container, { onVideoSize }) {
    this.onVideoSize = onVideoSize;
    this.tiles = new Map(); // participantId -> Tile
    this.screens = new Map(); // publicationId -> Tile
    this.pinned = null; // a tile's key ('p:<id>' or 's:<id>')
    this.stage = h('div', { class: 'stage', hidden: true });
    this.strip = h('div', { class: 'tiles' });
    this.el = h('div', { class: 'grid' }, this.stage, this.strip);
    container.append(this.el);
    this.sizes = new Map(); // video element -> {publicationId, timer, last}
    this.videoObserver = new ResizeObserver((entries) => {
      for (const e of entries) this._videoResized(e.target);
    });
    this.layoutObserver = new ResizeObserver(() => this.layout());
    this.layoutObserver.observe(this.el);
    // A hidden tab shows nothing: ask for the smallest layer. (Not 0 x 0, "not shown" in the
    // protocol: today's SFU reads 0 as "no preference" and forwards the highest layer.)
    document.addEventListener('visibilitychange', () => {
      for (const video of this.sizes.keys()) this._videoResized(video);
    });
  }

  addParticipant({ id, name, local = false }) {
    if (this.tiles.has(id)) return this.tiles.get(id);
    const tile = new Tile({ key: `p:${id}`, name, local, kind: 'person', onPin: () => this.togglePin(`p:${id}`) });
    tile.el.dataset.participantId = id;
    this.tiles.set(id, tile);
    if (local) this.strip.prepend(tile.el);
    else this.strip.append(tile.el);
    this.layout();
    return tile;
  }

  removeParticipant(id) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    this._unobserve(tile.video);
    tile.el.remove();
    this.tiles.delete(id);
    if (this.pinned === tile.key) this.pinned = null;
    this.layout();
  }

  participant(id) {
    return this.tiles.get(id);
  }

  clearRemote() {
    for (const [id, tile] of [...this.tiles]) if (!tile.local) this.removeParticipant(id);
    for (const id of [...this.screens.keys()]) this.removeScreen(id);
  }

  /** Shows a camera track on a participant's tile. */
  setCamera(participantId, track, publicationId = null) {
    const tile = this.tiles.get(participantId);
    if (!tile) return;
    this._unobserve(tile.video);
    tile.setVideo(track);
    if (track && publicationId) this._observe(tile.video, publicationId);
  }

  setAudio(participantId, track) {
    this.tiles.get(participantId)?.setAudio(track);
  }

  setMicrophoneMuted(participantId, muted) {
    this.tiles.get(participantId)?.setMicMuted(muted);
  }

  setCameraMuted(participantId, muted) {
    this.tiles.get(participantId)?.setCameraMuted(muted);
  }

  setName(participantId, name) {
    this.tiles.get(participantId)?.setName(name);
  }

  setActiveSpeaker(participantId) {
    for (const [id, tile] of this.tiles) tile.el.classList.toggle('speaking', id === participantId);
  }

  addScreen(publicationId, { name, track, local = false }) {
    let tile = this.screens.get(publicationId);
    if (!tile) {
      tile = new Tile({ key: `s:${publicationId}`, name, local, kind: 'screen', onPin: () => this.togglePin(`s:${publicationId}`) });
      tile.el.dataset.publicationId = publicationId;
      this.screens.set(publicationId, tile);
    }
    this._unobserve(tile.video);
    tile.setVideo(track);
    if (!local) this._observe(tile.video, publicationId);
    this.layout();
    return tile;
  }

  removeScreen(publicationId) {
    const tile = this.screens.get(publicationId);
    if (!tile) return;
    this._unobserve(tile.video);
    tile.el.remove();
    this.screens.delete(publicationId);
    if (this.pinned === tile.key) this.pinned = null;
    this.layout();
  }

  togglePin(key) {
    this.pinned = this.pinned === key ? null : key;
    this.layout();
  }

  /** Puts tiles on the stage or in the strip and sizes the grid. */
  layout() {
    const all = [...this.screens.values(), ...this.tiles.values()];
    const onStage = all.filter((t) => t.key === this.pinned || (t.kind === 'screen' && !this.pinned));
    const staged = onStage.length > 0;
    this.el.classList.toggle('has-stage', staged);
    this.stage.hidden = !staged;
    for (const tile of all) {
      const target = onStage.includes(tile) ? this.stage : this.strip;
      if (tile.el.parentNode !== target) target.append(tile.el);
      tile.setPinned(tile.key === this.pinned);
    }
    // Keep the local tile first in the strip.
    for (const tile of this.tiles.values()) if (tile.local && tile.el.parentNode === this.strip) this.strip.prepend(tile.el);
    if (!staged) this._fit(this.strip, this.strip.children.length);
    else {
      this.strip.style.removeProperty('--tile-w');
      this.strip.style.removeProperty('--cols');
      this._fit(this.stage, this.stage.children.length);
    }
  }

  /** Chooses the number of columns that makes n 16:9 tiles the largest inside `box`. */
  _fit(box, n) {
    const rect = box.getBoundingClientRect();
    if (n === 0 || rect.width === 0 || rect.height === 0) return;
    let best = { cols: 1, w: 0 };
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const w = Math.min((rect.width - GAP * (cols - 1)) / cols, ((rect.height - GAP * (rows - 1)) / rows) * RATIO);
      if (w > best.w) best = { cols, w };
    }
    box.style.setProperty('--cols', String(best.cols));
    box.style.setProperty('--tile-w', `${Math.floor(best.w)}px`);
  }

  _observe(video, publicationId) {
    this.sizes.set(video, { publicationId, timer: null, last: '' });
    this.videoObserver.observe(video);
  }

  _unobserve(video) {
    const s = this.sizes.get(video);
    if (!s) return;
    clearTimeout(s.timer);
    this.sizes.delete(video);
    this.videoObserver.unobserve(video);
  }

  _videoResized(video) {
    const s = this.sizes.get(video);
    if (!s) return;
    clearTimeout(s.timer);
    // Debounced: a window drag resizes continuously; the server needs only where it ends.
    s.timer = setTimeout(() => {
      const dpr = Math.min(window.devicePixelRatio || 1, 2);
      const shown = document.visibilityState !== 'hidden';
      const w = shown ? Math.round(video.clientWidth * dpr) : 1;
      const hgt = shown ? Math.round(video.clientHeight * dpr) : 1;
      const key = `${w}x${hgt}`;
      if (key === s.last) return;
      s.last = key;
      this.onVideoSize(s.publicationId, w, hgt);
    }, 150);
  }
}

class Tile {
  constructor({ key, name, local, kind, onPin }) {
    this.key = key;
    this.local = local;
    this.kind = kind;
    this.name = name;
    this.hasVideo = false;
    this.cameraMuted = false;
    this.video = h('video', { autoplay: true, playsInline: true, muted: true, class: local && kind === 'person' ? 'mirrored' : '' });
    this.audio = null;
    this.initials = h('span', { class: 'avatar-circle' }, initials(name));
    this.avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, this.initials);
    this.nameEl = h('span', { class: 'tile-name' });
    this.micIcon = h('span', { class: 'tile-state mic-off', role: 'img', hidden: true }, icon('micOff'));
    bind(this.micIcon, { label: 'microphone_off' });
    this.camIcon = h('span', { class: 'tile-state cam-off', role: 'img', hidden: true }, icon('camOff'));
    bind(this.camIcon, { label: 'camera_off' });
    this.pinButton = h('button', { type: 'button', class: 'tile-pin' }, icon('expand'));
    this.pinButton.addEventListener('click', onPin);
    this.el = h('div', { class: `tile tile-${kind}${local ? ' local' : ''} no-video`, role: 'group' },
      this.video, this.avatar,
      h('div', { class: 'tile-bar' }, this.micIcon, this.camIcon, this.nameEl),
      this.pinButton);
    this.video.addEventListener('dblclick', onPin);
    this.setName(name);
    this.setPinned(false);
  }

  setName(name) {
    this.name = name;
    const nameKey = this.kind === 'screen' ? (this.local ? 'your_screen' : 'screen_of') : this.local ? 'name_you' : 'name_plain';
    bind(this.nameEl, { text: nameKey, args: { name } });
    bind(this.el, { label: nameKey, args: { name } });
    this.el.removeAttribute('title');
    this.initials.textContent = initials(name);
    this._pinLabel();
  }

  setVideo(track) {
    if (this.track) {
      this.track.removeEventListener('mute', this._onTrackState);
      this.track.removeEventListener('unmute', this._onTrackState);
    }
    this.track = track;
    this.hasVideo = !!track;
    this.video.srcObject = track ? new MediaStream([track]) : null;
    if (track) {
      // A received track is "muted" while no media arrives: show the initials meanwhile.
      this._onTrackState = () => this._refresh();
      track.addEventListener('mute', this._onTrackState);
      track.addEventListener('unmute', this._onTrackState);
      this.video.play().catch(() => {});
    }
    this._refresh();
  }

  setAudio(track) {
    if (!track) {
      this.audio?.remove();
      this.audio = null;
      return;
    }
    if (!this.audio) {
      this.audio = h('audio', { autoplay: true });
      this.el.append(this.audio);
    }
    this.audio.srcObject = new MediaStream([track]);
    this.audio.play().catch(() => {});
  }

  setMicMuted(muted) {
    this.micIcon.hidden = !muted;
    this.el.classList.toggle('mic-muted', muted);
  }

  setCameraMuted(muted) {
    this.cameraMuted = muted;
    if (this.kind === 'person') this.camIcon.hidden = !muted;
    this._refresh();
  }

  setPinned(pinned) {
    this.pinned = pinned;
    this.pinButton.setAttribute('aria-pressed', String(pinned));
    this.pinButton.replaceChildren(icon(pinned ? 'shrink' : 'expand'));
    this._pinLabel();
  }

  _pinLabel() {
    bind(this.pinButton, { label: this.pinned ? 'unpin' : 'pin', args: { name: this.name } });
  }

  _refresh() {
    const showing = this.hasVideo && !this.track?.muted && !this.cameraMuted;
    this.el.classList.toggle('no-video', !showing);
  }
}
