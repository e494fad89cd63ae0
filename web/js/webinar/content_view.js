// Content on the stage, as attendees (and the staff's preview) see it: an image, a PDF page
// (the server's rendering of it), or an MP4 video played in step with everyone's. The server
// keeps the video's clock: every stage_updated carries `playing` and `position_ms` (the
// position when it was sent); this module applies them at once and, while playing, corrects
// the video whenever it drifts more than half a second from that clock. A browser that
// refuses to play sound before a click plays muted and shows "Click to enable sound".

import { h } from '../room/dom.js';
import { bind, onLanguageChange, t } from '../room/i18n.js';

/** How far the picture may drift from the server's clock before it is corrected. */
export const DRIFT_MS = 500;
const CHECK_EVERY_MS = 1000;

/**
 * Renders `stageContent` (the `content` of a stage, not a screen share) into `container`.
 * Returns `{update(stageContent), destroy()}`; `update` with another item replaces the view.
 */
export function renderContent(container, stageContent, { slug } = {}) {
  let view = null;
  const set = (c) => {
    if (!c) return;
    if (!view || view.kind !== c.kind || view.id !== (c.content_id ?? c.url)) {
      view?.destroy();
      container.replaceChildren();
      view = makeView(container, c, slug);
    } else {
      view.update(c);
    }
  };
  set(stageContent);
  return {
    update: set,
    destroy() {
      view?.destroy();
      view = null;
      container.replaceChildren();
    },
  };
}

function makeView(container, c, slug) {
  if (c.kind === 'image') return new ImageView(container, c);
  if (c.kind === 'pdf') return new PageView(container, c, slug);
  // An external video by link (C8) plays and syncs exactly like an uploaded one.
  if (c.kind === 'video' || c.kind === 'link') return new VideoView(container, c);
  return { kind: c.kind, id: c.content_id, update() {}, destroy() {} };
}

/** A missing picture says so rather than showing a broken icon. */
function failedNote(key) {
  return bind(h('p', { class: 'content-failed', role: 'status' }), { text: key });
}

class ImageView {
  constructor(container, c) {
    this.kind = 'image';
    this.id = c.content_id;
    this.img = h('img', { class: 'content-image', alt: c.name || '', decoding: 'async', src: c.url });
    this.img.addEventListener('error', () => this.img.replaceWith(failedNote('content_image_failed')));
    container.append(this.img);
  }

  update(c) {
    this.img.alt = c.name || '';
    if (c.url && this.img.getAttribute('src') !== c.url) this.img.src = c.url;
  }

  destroy() {}
}

/** A PDF page: the next image is loaded before it replaces the shown one (no blank flash). */
class PageView {
  constructor(container, c, slug) {
    this.kind = 'pdf';
    this.id = c.content_id;
    this.slug = slug;
    this.c = c;
    this.img = h('img', { class: 'content-page', decoding: 'async' });
    this.img.addEventListener('error', () => this.img.replaceWith(failedNote('content_image_failed')));
    container.append(this.img);
    this.offLang = onLanguageChange(() => this.label());
    this.show(c, true);
  }

  update(c) {
    this.show(c, false);
  }

  async show(c, first) {
    this.c = c;
    this.wanted = c.url;
    if (!first) {
      // Load the new page off screen, then swap; a newer turn meanwhile wins.
      const next = new Image();
      next.src = c.url;
      try {
        await next.decode();
      } catch {
        // Shown anyway: the element's own error handler reports it.
      }
      if (this.wanted !== c.url) return;
    }
    this.img.src = c.url;
    this.label();
    this.preload(c.page + 1);
  }

  label() {
    const { page, pages } = this.c;
    this.img.alt = t('content_page_alt', { page, pages });
    this.img.dataset.page = String(page);
  }

  /** The next page, so a turn forward is instant. */
  preload(page) {
    if (!this.c.pages || page > this.c.pages || !this.c.url) return;
    const url = this.c.url.replace(/\/page\/\d+$/, `/page/${page}`);
    if (url !== this.c.url) new Image().src = url;
  }

  destroy() {
    this.offLang?.();
  }
}

class VideoView {
  constructor(container, c) {
    this.kind = c.kind;
    this.id = c.content_id ?? c.url;
    this.video = h('video', { class: 'content-video', playsInline: true, preload: 'auto', src: c.url });
    this.video.setAttribute('aria-label', c.name || '');
    this.sound = bind(h('button', { type: 'button', class: 'primary-button content-sound', hidden: true }), { text: 'content_enable_sound' });
    this.sound.addEventListener('click', () => this.enableSound());
    this.video.addEventListener('loadedmetadata', () => this.sync());
    this.video.addEventListener('error', () => {
      this.video.replaceWith(failedNote('content_video_failed'));
      this.sound.hidden = true;
    });
    // Over the picture, centred at the bottom. (CSSOM, which the CSP allows: no inline style.)
    if (getComputedStyle(container).position === 'static') container.style.position = 'relative';
    Object.assign(this.sound.style, {
      position: 'absolute', left: '50%', bottom: '12px', transform: 'translateX(-50%)', zIndex: '2',
    });
    container.append(this.video, this.sound);
    this.timer = setInterval(() => this.sync(), CHECK_EVERY_MS);
    this.update(c);
  }

  update(c) {
    // The server's clock of the video, anchored at the moment its message arrived.
    this.clock = { playing: !!c.playing, positionMs: Number(c.position_ms) || 0, at: performance.now() };
    this.video.setAttribute('aria-label', c.name || '');
    if (c.url && this.video.getAttribute('src') !== c.url) this.video.src = c.url;
    this.sync();
  }

  /** Where the video should be now, in seconds. */
  expected() {
    const { playing, positionMs, at } = this.clock;
    return (playing ? positionMs + (performance.now() - at) : positionMs) / 1000;
  }

  sync() {
    const v = this.video;
    if (!this.clock || v.readyState < 1 || v.seeking) return; // no metadata yet: loadedmetadata calls again
    let target = this.expected();
    if (Number.isFinite(v.duration)) target = Math.min(target, v.duration);
    if (Math.abs(v.currentTime - target) * 1000 > DRIFT_MS) v.currentTime = target;
    const atEnd = Number.isFinite(v.duration) && target >= v.duration;
    if (this.clock.playing && v.paused && !atEnd) this.play();
    else if (!this.clock.playing && !v.paused) v.pause();
  }

  play() {
    if (this.starting) return;
    this.starting = true;
    const v = this.video;
    v.play()
      .catch((e) => {
        // Sound before any click on the page is refused: play muted, offer the sound.
        if (e?.name !== 'NotAllowedError' || v.muted) return undefined;
        v.muted = true;
        this.sound.hidden = false;
        return v.play().catch(() => {});
      })
      .finally(() => {
        this.starting = false;
      });
  }

  enableSound() {
    this.video.muted = false;
    this.sound.hidden = true;
    this.sync();
  }

  destroy() {
    clearInterval(this.timer);
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
  }
}
