// The staff's content panel in the backstage: upload a file (PDF, PNG/JPEG image, MP4 video)
// with a progress bar, see each item's processing, put one on the stage (moderators), turn a
// PDF's pages and play, pause or seek a video on stage (moderators and speakers), delete.
// The server decides: this panel only hides what the role may not do, and every change it
// shows comes back from the server (contents_updated, stage_updated).

import { LinkForm } from './content_link.js';
import { announce } from '../room/announce.js';
import { h } from '../room/dom.js';
import { bind, onLanguageChange, t } from '../room/i18n.js';
import { confirmDialog } from '../room/moderation.js';
import { may } from '../room/permissions.js';

const SEEK_STEP_MS = 10_000;
const MIB = 1024 * 1024;

let panels = 0;

/** What a file is, by its first bytes (as the server decides; this only saves a useless upload). */
export function sniffKind(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const starts = (...sig) => sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) || starts(0xff, 0xd8, 0xff)) return 'image';
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'pdf';
  const text = (from, to) => String.fromCharCode(...b.slice(from, to));
  if (b.length >= 16 && text(4, 8) === 'ftyp') {
    // The server checks the brand; QuickTime ("qt  ") is not an MP4.
    if (text(8, 12) !== 'qt  ') return 'video';
  }
  return null;
}

/** "1:05" / "1:02:03" for a time in milliseconds. */
export function clock(ms) {
  const s = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/**
 * Builds the panel in `container`. `send(message)` sends a client message on the session's
 * WebSocket (`set_stage` may carry only `layout` and `content`: the caller keeps the rest of
 * the stage). Returns `{setContents(list), setStage(stage), destroy()}`.
 */
/** An uploaded video or an external one by link (C8): both play in step, with the same controls. */
function isVideo(c) {
  return c?.kind === 'video' || c?.kind === 'link';
}

/** What the controls are built for: a new key rebuilds them. */
function controlKey(c) {
  return `${c.kind}:${c.content_id ?? c.url}`;
}

export function contentPanel(container, { slug, csrf, role, send }) {
  const panel = new ContentPanel(container, { slug, csrf, role, send });
  return {
    setContents: (list) => panel.setContents(list),
    setStage: (stage) => panel.setStage(stage),
    setRole: (r) => panel.setRole(r),
    destroy: () => panel.destroy(),
  };
}

class ContentPanel {
  constructor(container, { slug, csrf, role, send }) {
    this.slug = slug;
    this.csrf = csrf;
    this.role = role;
    this.send = send;
    this.contents = null;
    this.stage = null;
    this.limits = null;
    this.known = new Map(); // content_id -> status, to announce changes
    this.stageClock = null; // the on-stage video's clock, as the server last told it
    const n = ++panels;

    this.input = h('input', {
      type: 'file', id: `content-file-${n}`, class: 'content-file',
      accept: '.pdf,.png,.jpg,.jpeg,.mp4,application/pdf,image/png,image/jpeg,video/mp4',
      'aria-describedby': `content-hint-${n} content-error-${n}`,
    });
    this.input.addEventListener('change', () => this.upload());
    const label = bind(h('label', { for: this.input.id, class: 'content-file-label' }), { text: 'content_upload_label' });
    this.hint = h('p', { class: 'content-hint', id: `content-hint-${n}` });
    this.error = h('p', { class: 'content-error', id: `content-error-${n}`, role: 'alert', hidden: true });
    this.progress = h('progress', { class: 'content-upload-progress', max: 100, value: 0, hidden: true });
    bind(this.progress, { label: 'content_upload_progress' });
    this.progressText = h('span', { class: 'content-upload-text', 'aria-live': 'polite' });
    this.form = h('div', { class: 'content-upload' }, label, this.input, this.hint, this.progress, this.progressText, this.error);

    this.list = h('ul', { class: 'content-list' });
    bind(this.list, { label: 'content_list' });
    this.list.removeAttribute('title');
    this.empty = bind(h('p', { class: 'content-empty' }), { text: 'content_empty' });

    this.controls = h('section', { class: 'content-controls', hidden: true, 'aria-labelledby': `content-controls-${n}` },
      bind(h('h3', { id: `content-controls-${n}` }), { text: 'content_controls' }));
    this.controlsBody = h('div', { class: 'content-controls-body' });
    this.controls.append(this.controlsBody);

    // A video by link (C8), for those who arrange the stage.
    this.link = new LinkForm({ slug, csrf, show: (content) => this.send({ type: 'set_stage', stage: { layout: 'content', content } }) });
    this.el = h('div', { class: 'content-panel' }, this.form, this.link.el, this.controls, this.list, this.empty);
    container.append(this.el);
    this.offLang = onLanguageChange(() => this.render());
    this.renderHint();
    this.load();
    this.render();
  }

  setRole(role) {
    this.role = role;
    this.render();
  }

  /** The list and the limits from the server (the WebSocket's list wins once it arrives). */
  async load() {
    try {
      const res = await fetch(`/s/${encodeURIComponent(this.slug)}/content`, { credentials: 'same-origin' });
      if (!res.ok) return;
      const body = await res.json();
      this.limits = body.limits || null;
      this.renderHint();
      if (this.contents === null) this.setContents(body.contents || []);
    } catch (e) {
      console.warn('amphi: content list', e);
    }
  }

  setContents(list) {
    const first = this.contents === null;
    this.contents = Array.isArray(list) ? list : [];
    for (const c of this.contents) {
      const before = this.known.get(c.content_id);
      if (!first && before === 'processing' && c.status === 'ready') announce(t('content_ready_announce', { name: c.name }));
      if (!first && before === 'processing' && c.status === 'failed') announce(t('content_failed_announce', { name: c.name }));
      this.known.set(c.content_id, c.status);
    }
    this.render();
  }

  setStage(stage) {
    this.stage = stage || null;
    const c = this.stage?.content;
    this.stageClock = isVideo(c)
      ? { playing: !!c.playing, positionMs: Number(c.position_ms) || 0, at: performance.now() }
      : null;
    this.render();
  }

  onStage() {
    const c = this.stage?.content;
    return c && c.kind !== 'screen' ? c : null;
  }

  renderHint() {
    const l = this.limits;
    if (l) bind(this.hint, { text: 'content_upload_hint', args: l });
    else bind(this.hint, { text: 'content_upload_hint_plain' });
  }

  render() {
    this.renderHint();
    this.link.el.hidden = !may(this.role, 'arrange_stage');
    const list = this.contents || [];
    this.empty.hidden = list.length > 0;
    const focusedId = document.activeElement?.closest?.('li[data-content-id]')?.dataset.contentId;
    const focusedAction = document.activeElement?.dataset?.action;
    this.list.replaceChildren(...list.map((c) => this.item(c)));
    if (focusedId && focusedAction) {
      this.list.querySelector(`li[data-content-id="${CSS.escape(focusedId)}"] [data-action="${focusedAction}"]`)?.focus();
    }
    this.renderControls();
  }

  item(c) {
    const staged = this.onStage()?.content_id === c.content_id;
    const status = h('span', { class: `content-status content-status-${c.status}` });
    if (c.status === 'processing') bind(status, { text: 'content_status_processing', args: { progress: c.progress ?? 0 } });
    else if (c.status === 'failed') bind(status, { text: 'content_status_failed', args: { reason: this.reason(c.error) } });
    else if (c.kind === 'pdf' && c.pages) bind(status, { text: 'content_status_ready_pages', args: { pages: c.pages } });
    else bind(status, { text: 'content_status_ready' });
    const li = h('li', { class: `content-item content-${c.kind}`, dataset: { contentId: c.content_id, status: c.status } },
      h('span', { class: 'content-name' }, c.name),
      bind(h('span', { class: 'content-kind' }), { text: `content_kind_${c.kind}` }),
      status);
    if (c.status === 'processing') {
      const bar = h('progress', { class: 'content-processing', max: 100, value: c.progress ?? 0 });
      bind(bar, { label: 'content_processing_progress', args: { name: c.name } });
      bar.removeAttribute('title');
      li.append(bar);
    }
    const actions = h('div', { class: 'content-actions' });
    if (staged) {
      actions.append(bind(h('span', { class: 'content-on-stage' }), { text: 'content_on_stage' }));
    } else if (c.status === 'ready' && may(this.role, 'arrange_stage')) {
      const show = bind(h('button', { type: 'button', class: 'secondary-button', dataset: { action: 'show' } }),
        { text: 'content_show' });
      show.setAttribute('aria-label', t('content_show_named', { name: c.name }));
      show.addEventListener('click', () => this.show(c));
      actions.append(show);
    }
    const del = bind(h('button', { type: 'button', class: 'secondary-button danger', dataset: { action: 'delete' } }),
      { text: 'content_delete' });
    del.setAttribute('aria-label', t('content_delete_named', { name: c.name }));
    del.addEventListener('click', () => this.remove(c));
    actions.append(del);
    li.append(actions);
    return li;
  }

  reason(error) {
    if (!error) return '';
    const key = `errors.${error}`;
    const text = t(key);
    return text === key ? error : text;
  }

  /** The controls of what is on stage: pages of a PDF, playback of a video. */
  renderControls() {
    const c = this.onStage();
    const presenting = may(this.role, 'present_content');
    this.controls.hidden = !c || !presenting;
    if (this.controls.hidden) {
      this.controlsBody.replaceChildren();
      this.controlKey = null;
      return;
    }
    const key = controlKey(c);
    if (this.controlKey !== key) {
      this.controlKey = key;
      this.controlsBody.replaceChildren(...this.buildControls(c));
    }
    this.refreshControls(c);
  }

  buildControls(c) {
    const name = h('p', { class: 'content-controls-name' }, c.name || '');
    const parts = [name];
    this.ctl = {};
    if (c.kind === 'pdf') {
      this.ctl.prev = bind(h('button', { type: 'button', class: 'secondary-button', dataset: { action: 'prev' } }), { text: 'content_page_prev' });
      this.ctl.next = bind(h('button', { type: 'button', class: 'secondary-button', dataset: { action: 'next' } }), { text: 'content_page_next' });
      this.ctl.page = h('span', { class: 'content-page-number', 'aria-live': 'polite' });
      this.ctl.prev.addEventListener('click', () => this.turn(-1));
      this.ctl.next.addEventListener('click', () => this.turn(1));
      parts.push(h('div', { class: 'content-page-controls' }, this.ctl.prev, this.ctl.page, this.ctl.next));
    } else if (isVideo(c)) {
      this.ctl.play = h('button', { type: 'button', class: 'primary-button', dataset: { action: 'play' } });
      this.ctl.back = bind(h('button', { type: 'button', class: 'secondary-button', dataset: { action: 'back' } }), { text: 'content_back' });
      this.ctl.forward = bind(h('button', { type: 'button', class: 'secondary-button', dataset: { action: 'forward' } }), { text: 'content_forward' });
      this.ctl.seek = h('input', { type: 'range', class: 'content-seek', min: 0, max: 0, step: 1000, value: 0 });
      bind(this.ctl.seek, { label: 'content_position' });
      this.ctl.seek.removeAttribute('title');
      this.ctl.time = h('span', { class: 'content-time' });
      this.ctl.play.addEventListener('click', () => this.playPause());
      this.ctl.back.addEventListener('click', () => this.seekBy(-SEEK_STEP_MS));
      this.ctl.forward.addEventListener('click', () => this.seekBy(SEEK_STEP_MS));
      // Keyboard and pointer both end with `change`: one seek, not one per arrow key step.
      this.ctl.seek.addEventListener('change', () => this.seekTo(Number(this.ctl.seek.value)));
      parts.push(h('div', { class: 'content-video-controls' }, this.ctl.play, this.ctl.back, this.ctl.forward),
        h('div', { class: 'content-seek-row' }, this.ctl.seek, this.ctl.time));
      this.loadDuration(c);
      clearInterval(this.tick);
      this.tick = setInterval(() => this.refreshTime(), 1000);
    }
    if (may(this.role, 'arrange_stage')) {
      const off = bind(h('button', { type: 'button', class: 'secondary-button', dataset: { action: 'take-off' } }), { text: 'content_take_off' });
      off.addEventListener('click', () => this.send({ type: 'set_stage', stage: { layout: 'grid', content: null } }));
      parts.push(off);
    }
    return parts;
  }

  refreshControls(c) {
    if (c.kind === 'pdf' && this.ctl.page) {
      bind(this.ctl.page, { text: 'content_page_of', args: { page: c.page, pages: c.pages } });
      this.ctl.prev.disabled = c.page <= 1;
      this.ctl.next.disabled = c.page >= c.pages;
    } else if (isVideo(c) && this.ctl.play) {
      bind(this.ctl.play, { text: c.playing ? 'content_pause' : 'content_play' });
      this.ctl.play.dataset.playing = c.playing ? 'true' : 'false';
      this.refreshTime();
    }
  }

  /** The video's duration, from its metadata (a faststart MP4 gives it in its first bytes). */
  loadDuration(c) {
    const probe = h('video', { preload: 'metadata', muted: true, src: c.url });
    probe.addEventListener('loadedmetadata', () => {
      if (this.controlKey !== controlKey(c)) return;
      this.durationMs = Math.round(probe.duration * 1000);
      this.ctl.seek.max = String(this.durationMs);
      this.refreshTime();
      probe.removeAttribute('src');
      probe.load();
    }, { once: true });
    this.durationMs = 0;
  }

  position() {
    const k = this.stageClock;
    if (!k) return 0;
    const ms = k.playing ? k.positionMs + (performance.now() - k.at) : k.positionMs;
    return this.durationMs ? Math.min(ms, this.durationMs) : ms;
  }

  refreshTime() {
    if (!this.ctl?.seek || !this.stageClock) return;
    const pos = this.position();
    if (document.activeElement !== this.ctl.seek) this.ctl.seek.value = String(Math.round(pos));
    const text = t('content_time_of', { time: clock(pos), duration: this.durationMs ? clock(this.durationMs) : '–' });
    this.ctl.time.textContent = text;
    this.ctl.seek.setAttribute('aria-valuetext', text);
  }

  show(c) {
    const content = c.kind === 'pdf'
      ? { kind: 'pdf', content_id: c.content_id, page: 1 }
      : { kind: c.kind, content_id: c.content_id };
    this.send({ type: 'set_stage', stage: { layout: 'content', content } });
  }

  turn(delta) {
    const c = this.onStage();
    if (!c || c.kind !== 'pdf') return;
    const page = Math.min(Math.max(1, c.page + delta), c.pages);
    if (page !== c.page) this.send({ type: 'content_control', action: 'page', page });
  }

  playPause() {
    const c = this.onStage();
    if (!isVideo(c)) return;
    const position_ms = Math.round(this.position());
    this.send({ type: 'content_control', action: c.playing ? 'pause' : 'play', position_ms });
  }

  seekBy(delta) {
    this.seekTo(this.position() + delta);
  }

  seekTo(ms) {
    const max = this.durationMs || Infinity;
    const position_ms = Math.round(Math.min(Math.max(0, ms), max));
    this.send({ type: 'content_control', action: 'seek', position_ms });
  }

  async upload() {
    const file = this.input.files?.[0];
    if (!file) return;
    this.showError(null);
    const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
    const kind = sniffKind(head);
    if (!kind) {
      this.showError(t('content_wrong_type'));
      return;
    }
    const limitMb = this.limits?.[`${kind}_mb`];
    if (limitMb && file.size > limitMb * MIB) {
      this.showError(t('content_too_large', { what: t(`content_what_${kind}`), limit: limitMb }));
      return;
    }
    const body = new FormData();
    body.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    this.xhr = xhr;
    xhr.open('POST', `/s/${encodeURIComponent(this.slug)}/content`);
    xhr.setRequestHeader('x-csrf-token', this.csrf || '');
    xhr.responseType = 'json';
    this.progress.hidden = false;
    this.progress.value = 0;
    this.input.disabled = true;
    const progress = (percent) => {
      this.progress.value = percent;
      this.progressText.textContent = t('content_uploading', { name: file.name, percent });
    };
    progress(0);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) progress(Math.floor((e.loaded / e.total) * 100));
    });
    const done = () => {
      this.progress.hidden = true;
      this.progressText.textContent = '';
      this.input.disabled = false;
      this.input.value = '';
      this.xhr = null;
    };
    xhr.addEventListener('load', () => {
      done();
      const reply = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300 && reply?.content) {
        announce(t('content_uploaded', { name: reply.content.name }));
        this.merge(reply.content);
      } else {
        this.showError(reply?.error || t('content_upload_failed', { status: xhr.status }));
      }
      this.input.focus();
    });
    xhr.addEventListener('error', () => {
      done();
      this.showError(t('content_upload_network'));
      this.input.focus();
    });
    xhr.send(body);
  }

  /** An item from the upload's reply, until contents_updated brings the list. */
  merge(content) {
    const list = [...(this.contents || [])];
    if (!list.some((c) => c.content_id === content.content_id)) {
      list.push(content);
      this.known.set(content.content_id, content.status);
      this.contents = list;
      this.render();
    }
  }

  showError(text) {
    this.error.hidden = !text;
    this.error.textContent = text || '';
    this.input.setAttribute('aria-invalid', text ? 'true' : 'false');
  }

  async remove(c) {
    const ok = await confirmDialog(document.body, {
      title: 'content_delete_title', detail: 'content_delete_detail', confirm: 'content_delete', args: { name: c.name },
    });
    if (!ok) return;
    try {
      const res = await fetch(`/s/${encodeURIComponent(this.slug)}/content/${encodeURIComponent(c.content_id)}/delete`, {
        method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': this.csrf || '' },
      });
      const reply = await res.json().catch(() => null);
      if (!res.ok) {
        this.showError(reply?.error || t('content_upload_failed', { status: res.status }));
        return;
      }
      announce(t('content_deleted', { name: c.name }));
      this.contents = (this.contents || []).filter((x) => x.content_id !== c.content_id);
      this.render();
      this.input.focus();
    } catch {
      this.showError(t('content_upload_network'));
    }
  }

  destroy() {
    clearInterval(this.tick);
    this.xhr?.abort();
    this.offLang?.();
    this.el.remove();
  }
}
