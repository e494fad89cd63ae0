// The meeting's annotations as this client knows them (docs/protocol.md, "Annotations"):
// strokes per page, who may draw, and the page on the stage now. The server decides; this
// only applies its messages (welcome.annotations, annotation_added/extended/removed/cleared,
// annotation_access) and answers questions. No DOM.

/** Roles that may draw without a moderator letting everyone (the server's Annotate row). */
export const PRESENTERS = new Set(['owner', 'manager', 'moderator', 'speaker']);
/** Roles that may let everyone draw (AllowAnnotation). */
export const MODERATORS = new Set(['owner', 'manager', 'moderator']);

export function pageKey(page) {
  return page ? `${page.content_id}:${page.page}` : '';
}

/** The page a stage's content shows, if annotatable: a PDF page or an image (page 1). */
export function stagePage(content) {
  if (content?.kind === 'pdf' && content.content_id) return { content_id: content.content_id, page: Number(content.page) || 1 };
  if (content?.kind === 'image' && content.content_id) return { content_id: content.content_id, page: 1 };
  return null;
}

export class AnnotationModel {
  constructor() {
    /** page key -> Map(stroke id -> stroke), in drawing order */
    this.pages = new Map();
    this.everyone = false;
    this.role = null;
    this.participantId = null;
    this.page = null;
    /** stroke id -> page key */
    this.where = new Map();
  }

  welcome(w) {
    this.role = w.role || null;
    this.participantId = w.participant_id || null;
    this.pages.clear();
    this.where.clear();
    this.everyone = !!w.annotations?.everyone;
    for (const p of w.annotations?.pages || []) {
      for (const s of p.strokes || []) this.add(p.page, s);
    }
    this.setStage(w.stage);
  }

  setStage(stage) {
    this.page = stagePage(stage?.content);
  }

  mayDraw() {
    return !!this.role && (this.everyone || PRESENTERS.has(this.role));
  }

  mayAllow() {
    return MODERATORS.has(this.role);
  }

  strokes(page = this.page) {
    return [...(this.pages.get(pageKey(page))?.values() || [])];
  }

  add(page, stroke) {
    const key = pageKey(page);
    if (!this.pages.has(key)) this.pages.set(key, new Map());
    this.pages.get(key).set(stroke.id, { ...stroke, points: [...(stroke.points || [])] });
    this.where.set(stroke.id, key);
  }

  extend(strokeId, points) {
    const s = this.pages.get(this.where.get(strokeId))?.get(strokeId);
    if (s) s.points.push(...points);
    return !!s;
  }

  remove(page, ids) {
    const strokes = this.pages.get(pageKey(page));
    for (const id of ids || []) {
      strokes?.delete(id);
      this.where.delete(id);
    }
  }

  clear(page) {
    const key = pageKey(page);
    for (const id of this.pages.get(key)?.keys() || []) this.where.delete(id);
    this.pages.delete(key);
  }

  /** Applies one server message; true if it was about annotations. */
  apply(msg) {
    switch (msg?.type) {
      case 'annotation_added': this.add(msg.page, msg.stroke); return true;
      case 'annotation_extended': this.extend(msg.stroke_id, msg.points); return true;
      case 'annotation_removed': this.remove(msg.page, msg.stroke_ids); return true;
      case 'annotation_cleared': this.clear(msg.page); return true;
      case 'annotation_access': this.everyone = !!msg.everyone; return true;
      default: return false;
    }
  }
}
