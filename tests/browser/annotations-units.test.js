// The annotation client's pure parts, in the real browser against the files the server serves:
// page geometry (a page fitted into its box, points back and forth, clamped), the model applying
// the server's messages (welcome, added, extended, removed, cleared, access; rights per role),
// the eraser's hit test, and drawing: a red pen line lands on the canvas where its points are.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');

test('annotation units: geometry, model, eraser, drawing', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  const context = await launch();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);

  const out = await page.evaluate(async () => {
    const d = await import('/static/js/annotations_draw.js');
    const { AnnotationModel, stagePage } = await import('/static/js/annotations_model.js');
    const r = {};
    r.fit = d.fitArea(400, 300, 800, 400); // pillarboxed: 533×400 centred
    r.toPage = d.toPage(r.fit, r.fit.x + r.fit.w / 2, r.fit.y + r.fit.h / 4);
    r.clamped = d.toPage(r.fit, -50, 10000);
    r.stagePage = [stagePage({ kind: 'pdf', content_id: 'c', page: 3 }), stagePage({ kind: 'image', content_id: 'i' }), stagePage({ kind: 'video', content_id: 'v' })];

    const m = new AnnotationModel();
    const p1 = { content_id: 'c', page: 1 };
    m.welcome({ role: 'attendee', participant_id: 'me', stage: { content: { kind: 'pdf', content_id: 'c', page: 1 } },
      annotations: { everyone: false, pages: [{ page: p1, strokes: [{ id: 'a', author: 'x', tool: 'pen', color: 'red', size: 2, points: [[0.1, 0.1]] }] }] } });
    r.afterWelcome = { strokes: m.strokes().length, mayDraw: m.mayDraw(), mayAllow: m.mayAllow() };
    m.apply({ type: 'annotation_added', page: p1, stroke: { id: 'b', author: 'y', tool: 'arrow', color: 'blue', size: 1, points: [[0, 0], [1, 1]] } });
    m.apply({ type: 'annotation_extended', stroke_id: 'a', points: [[0.2, 0.2], [0.3, 0.3]] });
    r.extended = m.strokes().find((s) => s.id === 'a').points.length;
    m.apply({ type: 'annotation_access', everyone: true });
    r.everyoneMayDraw = m.mayDraw();
    m.apply({ type: 'annotation_removed', page: p1, stroke_ids: ['b'] });
    r.afterRemove = m.strokes().map((s) => s.id);
    m.apply({ type: 'annotation_cleared', page: p1 });
    r.afterClear = m.strokes().length;
    m.setStage({ content: { kind: 'pdf', content_id: 'c', page: 2 } });
    r.otherPage = m.strokes().length;
    const speaker = new AnnotationModel();
    speaker.welcome({ role: 'speaker', participant_id: 's', annotations: null, stage: null });
    r.speaker = { mayDraw: speaker.mayDraw(), mayAllow: speaker.mayAllow() };

    const line = { tool: 'pen', points: [[0.1, 0.5], [0.9, 0.5]], size: 2 };
    r.hit = [d.distanceTo(line, [0.5, 0.51]), d.distanceTo(line, [0.5, 0.9])];
    const rect = { tool: 'rectangle', points: [[0.2, 0.2], [0.4, 0.4]] };
    r.rectHit = [d.distanceTo(rect, [0.3, 0.2]), d.distanceTo(rect, [0.3, 0.3])];

    const canvas = document.createElement('canvas');
    canvas.width = 200;
    canvas.height = 100;
    const ctx = canvas.getContext('2d');
    const area = d.fitArea(200, 100, 200, 100);
    d.drawStrokes(ctx, area, [{ tool: 'pen', color: 'red', size: 4, points: [[0.1, 0.5], [0.9, 0.5]] }]);
    const px = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data);
    r.pixels = { onLine: px(100, 50), offLine: px(100, 10) };
    return r;
  });
  const near = (a, b) => Math.abs(a - b) < 1e-9;
  assert.ok(near(out.fit.x, (800 - 400 * 4 / 3) / 2) && out.fit.y === 0 && near(out.fit.w, 400 * 4 / 3) && out.fit.h === 400, JSON.stringify(out.fit));
  assert.deepEqual(out.toPage, [0.5, 0.25]);
  assert.deepEqual(out.clamped, [0, 1]);
  assert.deepEqual(out.stagePage, [{ content_id: 'c', page: 3 }, { content_id: 'i', page: 1 }, null]);
  assert.deepEqual(out.afterWelcome, { strokes: 1, mayDraw: false, mayAllow: false });
  assert.equal(out.extended, 3);
  assert.equal(out.everyoneMayDraw, true);
  assert.deepEqual(out.afterRemove, ['a']);
  assert.equal(out.afterClear, 0);
  assert.equal(out.otherPage, 0);
  assert.deepEqual(out.speaker, { mayDraw: true, mayAllow: false });
  assert.ok(out.hit[0] < 0.015 && out.hit[1] > 0.3, `${out.hit}`);
  assert.ok(out.rectHit[0] < 0.001 && out.rectHit[1] > 0.05, `${out.rectHit}`);
  assert.deepEqual(out.pixels.onLine, [0xe5, 0x39, 0x35, 255]);
  assert.deepEqual(out.pixels.offLine, [0, 0, 0, 0]);
});
