// The stage as attendees see it (PRODUCT C9): the members' cameras and names, at most one
// content item, in one of three layouts — grid (everyone alike), speaker (the active speaker,
// or the first member, large; the others in a strip), content (the content large, the members
// in a strip). The attendee page shows it full size and plays the members' audio; the
// backstage shows the same thing, silent, as a preview of what attendees see.
//
// The stage never decides anything: it draws the server's last `stage_updated` with the tracks
// it was given (setTrack), keyed by publication. Images, PDF pages and videos are drawn by
// content_view.js (the content engineer's module); a screen share is a video track here.

import { h, initials } from '../room/dom.js';
import { bind } from '../room/i18n.js';

const LAYOUTS = new Set(['grid', 'speaker', 'content']);

export class Stage {
  /**
   * @param {HTMLElement} container
   * @param {{slug: string, playAudio?: boolean, preview?: boolean,
   *          onVideoSize?: (publicationId: string, width: number, height: number) => void,
   *          onAutoplayBlocked?: () => void}} opts
   */
  constructor(container, { slug, playAudio = true, preview = false, onVideoSize = null, onAutoplayBlocked = null }) {
    this.slug = slug;
    this.playAudio = playAudio;
    this.onVideoSize = onVideoSize;
    this.onAutoplayBlocked = onAutoplayBlocked;
    this.stage = null;
    this.activeSpeaker = null;
    /** publicationId -> {participantId, source, kind, track} */
    this.tracks = new Map();
    /** participantId -> member tile {el, video, caption, track} */
    this.tiles = new Map();
    /** publicationId -> <audio> */
    this.audios = new Map();
    this.audioBlocked = false;
    this.content = null; // {key, el, view} of the content shown
    this.main = h('div', { class: 'stage-main' });
    this.strip = h('div', { class: 'stage-members' });
    this.audioBox = h('div', { class: 'stage-audio', hidden: true });
    this.empty = bind(h('p', { class: 'stage-empty' }), { text: preview ? 'stage_preview_empty' : 'stage_empty' });
    this.el = h('section', { class: `stage-view${preview ? ' stage-preview' : ''}`, dataset: { layout: 'grid' } },
      this.empty, this.main, this.strip, this.audioBox);
    bind(this.el, { label: preview ? 'stage_preview' : 'stage' });
    this.el.removeAttribute('title');
    container.append(this.el);
    this.sizes = new Map(); // video -> {publicationId, timer, last}
    this.resizer = typeof ResizeObserver === 'function' && onVideoSize
      ? new ResizeObserver((entries) => entries.forEach((e) => this._resized(e.target)))
      : null;
  }

  /** Draws a `stage_updated` stage (or null: nothing on stage). */
  update(stage) {
    this.stage = stage || null;
    this._render();
  }

  /** A received (or local) track of a participant; `source` is 'camera', 'microphone' or 'screen'. */
  setTrack({ publicationId, participantId, source, kind, track }) {
    if (!publicationId || !track) return;
    this.tracks.set(publicationId, { participantId, source, kind, track });
    this._render();
  }

  removeTrack(publicationId) {
    if (!this.tracks.delete(publicationId)) return;
    this._render();
  }

  /** Forgets every track (a reconnect brings them again). */
  clearTracks() {
    this.tracks.clear();
    this._render();
  }

  setActiveSpeaker(participantId) {
    if (this.activeSpeaker === participantId) return;
    this.activeSpeaker = participantId || null;
    if (this.stage?.layout === 'speaker') this._render();
    for (const [pid, tile] of this.tiles) tile.el.classList.toggle('speaking', pid === this.activeSpeaker);
  }

  /** After a click ("Click to listen"): plays every member's audio. */
  async resumeAudio() {
    let ok = true;
    for (const audio of this.audios.values()) {
      try {
        await audio.play();
      } catch {
        ok = false;
      }
    }
    this.audioBlocked = !ok;
    return ok;
  }

  /** Whether media is on stage at all (for "the stage is empty"). */
  get isEmpty() {
    return !this.stage || ((this.stage.members || []).length === 0 && !this.stage.content);
  }

  destroy() {
    this.resizer?.disconnect();
    this.content?.view?.destroy?.();
    this.el.remove();
  }

  // ---- Drawing ---------------------------------------------------------------------------

  _render() {
    const stage = this.stage;
    const layout = LAYOUTS.has(stage?.layout) ? stage.layout : 'grid';
    const members = (stage?.members || []).filter((m) => m && m.participant_id);
    this.el.dataset.layout = layout;
    this.empty.hidden = !this.isEmpty;

    // Member tiles: kept per participant, so a video keeps playing across stage changes.
    const present = new Set(members.map((m) => m.participant_id));
    for (const [pid, tile] of [...this.tiles]) {
      if (!present.has(pid)) {
        this._unobserve(tile.video);
        tile.el.remove();
        this.tiles.delete(pid);
      }
    }
    for (const m of members) this._memberTile(m);

    // Content first: it decides what is large in the 'content' layout.
    this._renderContent(stage?.content || null);

    // Who is large: the content (content layout), the speaker (speaker layout), nobody (grid).
    let large = null;
    if (layout === 'content' && this.content) large = this.content.el;
    else if (layout === 'speaker' && members.length > 0) {
      const speaker = members.find((m) => m.participant_id === this.activeSpeaker) || members[0];
      large = this.tiles.get(speaker.participant_id).el;
    }
    const order = [];
    if (this.content && this.content.el !== large) order.push(this.content.el);
    for (const m of members) {
      const el = this.tiles.get(m.participant_id).el;
      if (el !== large) order.push(el);
    }
    this.main.hidden = !large;
    if (large && large.parentNode !== this.main) this.main.replaceChildren(large);
    if (!large) this.main.replaceChildren();
    // In the grid everything shares one grid; otherwise the rest is a strip.
    this.strip.classList.toggle('stage-grid', !large);
    this.strip.dataset.count = String(order.length);
    order.forEach((el, i) => {
      if (this.strip.children[i] !== el) this.strip.insertBefore(el, this.strip.children[i] || null);
    });
    while (this.strip.children.length > order.length) this.strip.lastChild.remove();
    this.strip.hidden = order.length === 0;

    this._renderAudio(present);
  }

  _memberTile(member) {
    const pid = member.participant_id;
    let tile = this.tiles.get(pid);
    if (!tile) {
      const video = h('video', { autoplay: true, playsInline: true, muted: true });
      const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, h('span', { class: 'avatar-circle' }));
      const caption = h('figcaption', { class: 'stage-name' });
      const el = h('figure', { class: 'stage-member no-video', dataset: { participantId: pid } }, video, avatar, caption);
      tile = { el, video, avatar, caption, track: null, publicationId: null };
      this.tiles.set(pid, tile);
    }
    tile.caption.textContent = member.name || '';
    tile.avatar.firstChild.textContent = initials(member.name);
    tile.el.classList.toggle('speaking', pid === this.activeSpeaker);
    const cam = this._find(pid, 'camera', 'video');
    if ((cam?.track || null) !== tile.track) {
      this._unobserve(tile.video);
      tile.track = cam?.track || null;
      tile.publicationId = cam?.publicationId || null;
      tile.video.srcObject = tile.track ? new MediaStream([tile.track]) : null;
      if (tile.track) {
        tile.video.play().catch(() => {});
        if (tile.publicationId) this._observe(tile.video, tile.publicationId);
        // A received track is muted while no media arrives (camera off): show the initials.
        const refresh = () => tile.el.classList.toggle('no-video', !tile.track || tile.track.muted);
        tile.track.onmute = refresh;
        tile.track.onunmute = refresh;
      }
    }
    tile.el.classList.toggle('no-video', !tile.track || tile.track.muted);
    return tile;
  }

  _renderContent(content) {
    const key = content ? `${content.kind}:${content.content_id || content.participant_id || ''}` : null;
    if (this.content && this.content.key !== key) {
      this.content.view?.destroy?.();
      this._unobserve(this.content.video);
      this.content.el.remove();
      this.content = null;
    }
    if (!content) return;
    if (!this.content) {
      const box = h('div', { class: 'stage-content-box' });
      const el = h('figure', { class: `stage-content stage-content-${content.kind}` }, box,
        h('figcaption', { class: 'stage-name' }));
      this.content = { key, el, box, view: null, video: null, track: null };
      if (content.kind !== 'screen') this._loadContentView(this.content, content);
    }
    const caption = this.content.el.querySelector('figcaption');
    bind(caption, { text: content.kind === 'screen' ? 'stage_screen_of' : 'stage_content_named', args: { name: content.name || '' } });
    bind(this.content.el, { label: content.kind === 'screen' ? 'stage_screen_of' : 'stage_content_named', args: { name: content.name || '' } });
    this.content.el.removeAttribute('title');
    if (content.kind === 'screen') {
      const found = (content.publication_id && this.tracks.get(content.publication_id))
        ? { publicationId: content.publication_id, ...this.tracks.get(content.publication_id) }
        : this._find(content.participant_id, 'screen', 'video');
      if (!this.content.video) {
        this.content.video = h('video', { autoplay: true, playsInline: true, muted: true });
        this.content.box.append(this.content.video);
      }
      if ((found?.track || null) !== this.content.track) {
        this._unobserve(this.content.video);
        this.content.track = found?.track || null;
        this.content.video.srcObject = this.content.track ? new MediaStream([this.content.track]) : null;
        if (this.content.track) {
          this.content.video.play().catch(() => {});
          if (found.publicationId) this._observe(this.content.video, found.publicationId);
        }
      }
    } else if (this.content.view) {
      this.content.view.update?.(content);
    } else {
      this.content.pending = content;
    }
  }

  /** Loads the content engineer's renderer (image, PDF page, synced video) for this item. */
  async _loadContentView(entry, content) {
    try {
      const { renderContent } = await import('./content_view.js');
      if (this.content !== entry) return;
      entry.view = renderContent(entry.box, entry.pending || content, { slug: this.slug });
      entry.pending = null;
    } catch (e) {
      console.warn('amphi: content view', e);
      if (this.content === entry) entry.box.replaceChildren(h('p', { class: 'stage-content-missing' }, content.name || content.kind));
    }
  }

  /** @param {Set<string>} members the stage's members (participant ids) */
  _renderAudio(members) {
    // The stage's sound: its members' microphones and the staged screen's sound. (An attendee
    // receives nothing else; staff looking at the attendee page receive the whole backstage,
    // which must stay silent there.) The preview plays none.
    const wanted = new Map();
    if (this.playAudio) {
      const content = this.stage?.content;
      const sharer = content?.kind === 'screen' ? content.participant_id : null;
      for (const [pubId, tr] of this.tracks) {
        if (tr.kind !== 'audio') continue;
        if ((tr.source === 'microphone' && members.has(tr.participantId)) || (tr.source === 'screen_audio' && tr.participantId === sharer)) {
          wanted.set(pubId, tr.track);
        }
      }
    }
    for (const [pubId, audio] of [...this.audios]) {
      if (wanted.get(pubId) !== audio.__track) {
        audio.srcObject = null;
        audio.remove();
        this.audios.delete(pubId);
      }
    }
    for (const [pubId, track] of wanted) {
      if (this.audios.has(pubId)) continue;
      const audio = h('audio', { autoplay: true });
      audio.__track = track;
      audio.srcObject = new MediaStream([track]);
      this.audioBox.append(audio);
      this.audios.set(pubId, audio);
      audio.play().catch((e) => {
        // The browser's autoplay policy: sound needs a click on this page first.
        if (e?.name === 'NotAllowedError' && !this.audioBlocked) {
          this.audioBlocked = true;
          this.onAutoplayBlocked?.();
        }
      });
    }
  }

  _find(participantId, source, kind) {
    for (const [publicationId, tr] of this.tracks) {
      if (tr.participantId === participantId && tr.source === source && tr.kind === kind) return { publicationId, ...tr };
    }
    return null;
  }

  // ---- Shown sizes (the server forwards the simulcast layer that fits) -------------------

  _observe(video, publicationId) {
    if (!this.resizer) return;
    this.sizes.set(video, { publicationId, timer: null, last: '' });
    this.resizer.observe(video);
  }

  _unobserve(video) {
    const s = video && this.sizes.get(video);
    if (!s) return;
    clearTimeout(s.timer);
    this.sizes.delete(video);
    this.resizer.unobserve(video);
  }

  _resized(video) {
    const s = this.sizes.get(video);
    if (!s) return;
    clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      const dpr = Math.min(window.devicePixelRatio || 1, 2);
      const w = Math.max(1, Math.round(video.clientWidth * dpr));
      const hgt = Math.max(1, Math.round(video.clientHeight * dpr));
      const key = `${w}x${hgt}`;
      if (key === s.last) return;
      s.last = key;
      this.onVideoSize(s.publicationId, w, hgt);
    }, 150);
  }
}
