// Annotations on the stage's PDF page or image (PRODUCT C6; docs/protocol.md, "Annotations").
// mountAnnotations(stage, conn) puts a canvas over the page the stage shows (found in the
// stage's DOM: content_view.js draws the page, this draws over it), keeps the meeting's strokes
// (annotations_model.js), redraws on every change and resize, and lets those who may draw do
// so with the toolbar (annotations_tools.js). Coordinates are 0..1 of the page, so every
// screen agrees; the server checks and relays everything, and a refusal shows in the toolbar.

import { h } from './room/dom.js';
import { addBundles, language, onLanguageChange, setLanguage, t, translatePage } from './room/i18n.js';
import { distanceTo, drawStroke, drawStrokes, fitArea, toPage } from './annotations_draw.js';
import { AnnotationModel, pageKey, stagePage } from './annotations_model.js';
import { AnnotationTools } from './annotations_tools.js';

const FLUSH_MS = 80; // incremental points at most this often (the socket allows 20 messages/s)
const MAX_STROKE_POINTS = 1000;
const MAX_POINTS_PER_MESSAGE = 500;
const ERASE_RADIUS = 0.015;
const PAGE_IMAGES = '.stage-content-box img.content-page, .stage-content-box img.content-image';
const REQUESTS = new Set(['annotation_add', 'annotation_extend', 'annotation_remove', 'annotation_undo', 'annotation_clear', 'set_annotation_access']);

let styled = false;
function loadStyle() {
  if (styled || document.querySelector('link[href="/static/css/annotations.css"]')) return;
  styled = true;
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/annotations.css' }));
}

/** Annotations for `stage` (a webinar Stage) on `conn` (RoomConnection). Returns the controller. */
export function mountAnnotations(stage, conn) {
  if (stage.annotations?.conn === conn) return stage.annotations;
  loadStyle();
  addBundles('annotations');
  // The page's language was loaded before this bundle was added: load it again with it.
  setLanguage(language()).catch(() => {});
  stage.annotations?.observer.disconnect();
  stage.annotations = new Annotations(stage, conn);
  return stage.annotations;
}

export class Annotations {
  constructor(stage, conn) {
    this.stage = stage;
    this.conn = conn;
    this.model = new AnnotationModel();
    this.overlay = null; // {img, box, canvas, tools}
    this.drawing = null; // the stroke being drawn by this person
    this.tools = new AnnotationTools({
      onUndo: () => this.send({ type: 'annotation_undo', page: this.model.page }),
      onClear: () => this.send({ type: 'annotation_clear', page: this.model.page }),
      onEveryone: (everyone) => this.conn.send({ type: 'set_annotation_access', everyone }),
    });
    this.tools.onTool = () => this.updateCursor();
    conn.addEventListener('welcome', (e) => {
      this.model.welcome(e.detail);
      this.refresh();
    });
    conn.addEventListener('stage_updated', (e) => {
      this.model.setStage(e.detail.stage);
      this.refresh();
    });
    for (const type of ['annotation_added', 'annotation_extended', 'annotation_removed', 'annotation_cleared', 'annotation_access']) {
      conn.addEventListener(type, (e) => this.onMessage({ type, ...e.detail }));
    }
    conn.addEventListener('server_error', (e) => this.onRefused(e.detail));
    this.observer = new MutationObserver(() => this.attach());
    this.observer.observe(stage.el, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });
    this.resizer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.redraw()) : null;
    onLanguageChange(() => {
      this.tools.say('');
      translatePage(this.tools.el);
    });
    this.attach();
  }

  onMessage(msg) {
    // Our own stroke comes back to us: we drew it already (and may have more points since).
    if (msg.type === 'annotation_added' && msg.stroke?.author === this.model.participantId
        && this.model.where.has(msg.stroke.id)) return;
    this.model.apply(msg);
    if (msg.type === 'annotation_access') this.refreshRights();
    this.redraw();
  }

  onRefused(e) {
    if (!REQUESTS.has(e?.request)) return;
    const text = e.code === 'forbidden' ? t('annotation_forbidden') : t('annotation_refused', { message: e.message || e.code });
    this.tools.say(text);
    // A refused stroke of ours is not kept by the server: nor here.
    if (e.request === 'annotation_add' && this.lastAdded) {
      this.model.remove(this.lastAdded.page, [this.lastAdded.id]);
      this.drawing = null;
      this.redraw();
    }
  }

  send(message) {
    if (!message.page && 'page' in message) return;
    this.conn.send(message);
  }

  refresh() {
    this.attach();
    this.refreshRights();
    this.redraw();
  }

  refreshRights() {
    this.tools.setRights({ mayDraw: this.model.mayDraw() && !!this.model.page, mayAllow: this.model.mayAllow(), everyone: this.model.everyone });
    this.updateCursor();
  }

  /** Finds the page image the stage shows and puts the canvas (and toolbar) over it. */
  attach() {
    const img = this.model.page ? this.stage.el.querySelector(PAGE_IMAGES) : null;
    if (this.overlay && this.overlay.img === img && img?.isConnected) return;
    this.detach();
    if (!img) return;
    const box = img.parentElement;
    if (getComputedStyle(box).position === 'static') box.style.position = 'relative';
    const canvas = h('canvas', { class: 'annotation-canvas', dataset: { strokes: '0' } });
    canvas.setAttribute('aria-hidden', 'true');
    box.append(canvas);
    // The toolbar goes above the stage's box (a preview clips what overflows it).
    const host = this.stage.el.parentElement;
    if (host?.parentElement) host.parentElement.insertBefore(this.tools.el, host);
    else this.stage.el.before(this.tools.el);
    // Built before this module's strings were loaded, maybe: translated now it is in the page.
    translatePage(this.tools.el);
    img.addEventListener('load', () => this.redraw());
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    this.overlay = { img, box, canvas };
    this.resizer?.observe(box);
    this.refreshRights();
    this.redraw();
  }

  detach() {
    if (!this.overlay) return;
    this.resizer?.unobserve(this.overlay.box);
    this.overlay.canvas.remove();
    this.tools.el.remove();
    this.overlay = null;
  }

  /** The page's rectangle in the canvas, in CSS pixels. */
  area() {
    const { img, canvas } = this.overlay;
    const r = img.getBoundingClientRect();
    const c = canvas.getBoundingClientRect();
    const inner = fitArea(img.naturalWidth, img.naturalHeight, r.width, r.height);
    return { x: r.left - c.left + inner.x, y: r.top - c.top + inner.y, w: inner.w, h: inner.h };
  }

  redraw() {
    if (!this.overlay) return;
    const { canvas } = this.overlay;
    const rect = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * ratio));
    const hgt = Math.max(1, Math.round(rect.height * ratio));
    if (canvas.width !== w || canvas.height !== hgt) {
      canvas.width = w;
      canvas.height = hgt;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, rect.width, rect.height);
    const area = this.area();
    const strokes = this.model.strokes();
    drawStrokes(ctx, area, strokes);
    if (this.preview) drawStroke(ctx, area, this.preview);
    canvas.dataset.strokes = String(strokes.length);
    canvas.dataset.page = pageKey(this.model.page);
    canvas.dataset.points = String(strokes.reduce((n, s) => n + s.points.length, 0));
  }

  updateCursor() {
    if (!this.overlay) return;
    const active = this.model.mayDraw() && !!this.tools.tool;
    this.overlay.canvas.classList.toggle('drawing', active);
  }

  point(e) {
    const r = this.overlay.canvas.getBoundingClientRect();
    return toPage(this.area(), e.clientX - r.left, e.clientY - r.top);
  }

  down(e) {
    const tool = this.tools.tool;
    if (!tool || !this.model.mayDraw() || !this.model.page) return;
    e.preventDefault();
    this.overlay.canvas.setPointerCapture?.(e.pointerId);
    const p = this.point(e);
    if (tool === 'eraser') {
      this.erasing = true;
      this.erase(p);
      return;
    }
    if (tool === 'text') {
      this.askText(p, e);
      return;
    }
    const stroke = { id: newId(), tool, color: this.tools.color, size: this.tools.size, points: [p] };
    if (tool === 'pen' || tool === 'highlighter') {
      this.startStroke(stroke);
      this.drawing = { id: stroke.id, pending: [], count: 1, timer: null };
    } else {
      this.preview = { ...stroke, points: [p, p] };
      this.redraw();
    }
  }

  move(e) {
    if (this.erasing) return this.erase(this.point(e));
    const p = this.point(e);
    if (this.preview) {
      this.preview.points[1] = p;
      return this.redraw();
    }
    const d = this.drawing;
    if (!d || d.count >= MAX_STROKE_POINTS) return undefined;
    d.pending.push(p);
    d.count += 1;
    this.model.extend(d.id, [p]);
    this.redraw();
    if (!d.timer) d.timer = setTimeout(() => this.flush(), FLUSH_MS);
    return undefined;
  }

  up() {
    this.erasing = false;
    if (this.preview) {
      const s = this.preview;
      this.preview = null;
      const [[x0, y0], [x1, y1]] = s.points;
      if (Math.hypot(x1 - x0, y1 - y0) > 0.005) this.startStroke(s);
      this.redraw();
    }
    if (this.drawing) {
      this.flush();
      this.drawing = null;
    }
  }

  startStroke(stroke) {
    const page = this.model.page;
    this.model.add(page, { ...stroke, author: this.model.participantId });
    this.lastAdded = { page, id: stroke.id };
    this.send({ type: 'annotation_add', page, stroke });
    this.redraw();
  }

  flush() {
    const d = this.drawing;
    if (!d) return;
    clearTimeout(d.timer);
    d.timer = null;
    while (d.pending.length) {
      const points = d.pending.splice(0, MAX_POINTS_PER_MESSAGE);
      this.conn.send({ type: 'annotation_extend', stroke_id: d.id, points });
    }
  }

  erase(p) {
    const hit = this.model.strokes().filter((s) => distanceTo(s, p) <= ERASE_RADIUS).map((s) => s.id);
    if (!hit.length) return;
    const page = this.model.page;
    this.model.remove(page, hit);
    this.send({ type: 'annotation_remove', page, stroke_ids: hit });
    this.redraw();
  }

  /** A small text field where the person clicked; Enter draws the text, Escape cancels. */
  askText(p, e) {
    const { box, canvas } = this.overlay;
    const r = canvas.getBoundingClientRect();
    const input = h('input', { type: 'text', class: 'annotation-text-input', maxlength: '200' });
    input.setAttribute('aria-label', t('annotation_text_prompt'));
    Object.assign(input.style, { left: `${e.clientX - r.left}px`, top: `${e.clientY - r.top}px` });
    box.append(input);
    input.focus();
    let finished = false;
    const done = (keep) => {
      if (finished) return;
      finished = true;
      const text = input.value.trim();
      input.remove();
      if (keep && text) {
        this.startStroke({ id: newId(), tool: 'text', color: this.tools.color, size: this.tools.size, points: [p], text });
      }
    };
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') done(true);
      else if (ev.key === 'Escape') done(false);
    });
    input.addEventListener('blur', () => done(true), { once: true });
  }
}

function newId() {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'[b & 63]).join('');
}

export { stagePage };
