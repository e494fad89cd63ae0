// Drawing annotation strokes on a 2D canvas, with the geometry the server's rasterizer uses
// (crates/server/src/annotations/render.rs): points are page coordinates in 0..1; widths and
// text heights are fractions of the page's width on screen. No DOM besides the canvas given.

export const COLORS = {
  red: '#e53935',
  orange: '#fb8c00',
  yellow: '#fdd835',
  green: '#43a047',
  blue: '#1e88e5',
  black: '#212121',
  white: '#ffffff',
};
export const WIDTH_PER_SIZE = 0.0025;
export const HIGHLIGHTER_WIDTH = 5;
export const HIGHLIGHTER_ALPHA = 0.4;
export const TEXT_BASE = 0.015;
export const TEXT_PER_SIZE = 0.008;

/**
 * Where a page of natural size `nw`×`nh` is drawn inside a `bw`×`bh` element that shows it
 * whole (object-fit: contain, or sized to it): {x, y, w, h} in the element's pixels.
 */
export function fitArea(nw, nh, bw, bh) {
  if (!(nw > 0 && nh > 0 && bw > 0 && bh > 0)) return { x: 0, y: 0, w: Math.max(bw, 0), h: Math.max(bh, 0) };
  const k = Math.min(bw / nw, bh / nh);
  const w = nw * k;
  const h = nh * k;
  return { x: (bw - w) / 2, y: (bh - h) / 2, w, h };
}

/** A point of the page (0..1) in canvas pixels. */
export function toCanvas(area, [x, y]) {
  return [area.x + x * area.w, area.y + y * area.h];
}

/** A canvas pixel as a page point, clamped to the page. */
export function toPage(area, px, py) {
  const clamp = (v) => Math.min(1, Math.max(0, v));
  return [clamp((px - area.x) / (area.w || 1)), clamp((py - area.y) / (area.h || 1))];
}

export function lineWidth(area, size) {
  return Math.max(1, area.w * WIDTH_PER_SIZE * size);
}

export function textHeight(area, size) {
  return area.w * (TEXT_BASE + TEXT_PER_SIZE * size);
}

/** Draws strokes in order on `ctx` (already cleared), for a page drawn at `area`. */
export function drawStrokes(ctx, area, strokes) {
  for (const s of strokes) drawStroke(ctx, area, s);
}

export function drawStroke(ctx, area, s) {
  const pts = (s.points || []).map((p) => toCanvas(area, p));
  if (!pts.length) return;
  const width = lineWidth(area, s.size || 1);
  ctx.save();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = COLORS[s.color] || COLORS.red;
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = width;
  if (s.tool === 'pen' || s.tool === 'highlighter') {
    if (s.tool === 'highlighter') {
      ctx.globalAlpha = HIGHLIGHTER_ALPHA;
      ctx.lineWidth = width * HIGHLIGHTER_WIDTH;
    }
    ctx.beginPath();
    ctx.moveTo(pts[0][0], pts[0][1]);
    ctx.lineTo(pts[0][0] + 0.01, pts[0][1]);
    for (const [x, y] of pts.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  } else if (s.tool === 'arrow' && pts.length >= 2) {
    const [[x0, y0], [x1, y1]] = pts;
    const head = Math.max(width * 4, area.w * 0.015);
    const angle = Math.atan2(y1 - y0, x1 - x0);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    for (const side of [-1, 1]) {
      const a = angle + Math.PI - side * 0.45;
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 + head * Math.cos(a), y1 + head * Math.sin(a));
    }
    ctx.stroke();
  } else if (s.tool === 'rectangle' && pts.length >= 2) {
    const [[x0, y0], [x1, y1]] = pts;
    ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
  } else if (s.tool === 'text' && s.text) {
    const height = textHeight(area, s.size || 1);
    ctx.font = `${Math.round(height)}px sans-serif`;
    ctx.textBaseline = 'top';
    ctx.fillText(s.text, pts[0][0], pts[0][1]);
  }
  ctx.restore();
}

/** Distance from a page point to a stroke, in page units (for the eraser). */
export function distanceTo(s, [x, y]) {
  const pts = s.points || [];
  const seg = (a, b) => {
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / len)) : 0;
    return Math.hypot(x - (a[0] + t * dx), y - (a[1] + t * dy));
  };
  if (s.tool === 'rectangle' && pts.length >= 2) {
    const [[x0, y0], [x1, y1]] = pts;
    const c = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    return Math.min(...c.map((p, i) => seg(p, c[(i + 1) % 4])));
  }
  if (s.tool === 'text' && pts.length) {
    // The text's box, roughly: as wide as its characters.
    const hgt = TEXT_BASE + TEXT_PER_SIZE * (s.size || 1);
    const [tx, ty] = pts[0];
    const inside = x >= tx && x <= tx + hgt * 0.6 * (s.text || '').length && y >= ty && y <= ty + hgt;
    return inside ? 0 : Math.hypot(x - tx, y - ty);
  }
  if (pts.length === 1) return Math.hypot(x - pts[0][0], y - pts[0][1]);
  let best = Infinity;
  for (let i = 1; i < pts.length; i += 1) best = Math.min(best, seg(pts[i - 1], pts[i]));
  return best;
}
