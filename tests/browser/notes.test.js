// Issue 9 (C5): shared notes. Two browsers type 200 characters each into the same line at the
// same time: both end with the same text holding all 400 (each person's characters in their
// order). A reload shows the notes. Locked by the owner, the participant's panel is read-only,
// and an edit forced through (the read-only attribute removed) is refused by the server: the
// text goes back to the server's copy.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom, openPanel } = require('../lib/rooms.js');
const { assertLocalesMatch } = require('../lib/locales.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';

async function notesBox(page) {
  const panel = await openPanel(page, 'Shared notes');
  return panel.getByRole('textbox', { name: 'Shared notes text' });
}

/** Each person's 200 characters: lower case for one, digits for the other. */
const A = Array.from({ length: 200 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
const B = Array.from({ length: 200 }, (_, i) => String(i % 10)).join('');

test('two people typing in the same line converge with all 400 characters; reload; lock', async (t) => {
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Notes', { owner: OWNER, password: PASSWORD });
  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia', { camera: false });
  const bob = await browser('Bob');
  await enterRoom(bob.page, roomUrl, 'Bob', { camera: false });
  const boxO = await notesBox(owner.page);
  const boxB = await notesBox(bob.page);

  await boxO.click();
  await owner.page.keyboard.type('Plan: ');
  await waitFor(async () => (await boxB.inputValue()) === 'Plan: ', { timeoutMs: 5000, what: 'Bob sees "Plan: "' });

  // Both carets at the end of the same line, then both type at once.
  for (const [page, box] of [[owner.page, boxO], [bob.page, boxB]]) {
    await box.click();
    await page.keyboard.press('End');
  }
  const started = Date.now();
  await Promise.all([
    owner.page.keyboard.type(A, { delay: 15 }),
    bob.page.keyboard.type(B, { delay: 15 }),
  ]);
  const [textO, textB] = await waitFor(async () => {
    const o = await boxO.inputValue();
    const b = await boxB.inputValue();
    return o === b && o.length === 6 + 400 ? [o, b] : null;
  }, { timeoutMs: 15000, what: 'both notes converged to 406 characters' });
  console.log(`# typed 2 × 200 characters concurrently in ${Date.now() - started} ms; converged text: ${JSON.stringify(textO)}`);
  assert.equal(textO, textB);
  assert.ok(textO.startsWith('Plan: '));
  const rest = textO.slice(6);
  assert.equal([...rest].filter((c) => /[a-z]/.test(c)).join(''), A, "Olivia's 200 characters, in order");
  assert.equal([...rest].filter((c) => /[0-9]/.test(c)).join(''), B, "Bob's 200 characters, in order");
  await screenshot(bob.page, 'notes-converged');

  // A reload shows the notes.
  await enterRoom(bob.page, roomUrl, 'Bob', { camera: false });
  const again = await notesBox(bob.page);
  await waitFor(async () => (await again.inputValue()) === textO, { timeoutMs: 5000, what: 'the notes after a reload' });

  // Locked: read-only for Bob; an edit forced through is refused by the server and undone.
  await (await openPanel(owner.page, 'Shared notes')).getByRole('button', { name: 'Lock (read-only)' }).click();
  await waitFor(async () => again.evaluate((el) => el.readOnly), { timeoutMs: 5000, what: "Bob's notes read-only" });
  await again.evaluate((el) => { el.readOnly = false; });
  await again.click();
  await bob.page.keyboard.press('End');
  await bob.page.keyboard.type('!!!');
  await waitFor(async () => (await again.inputValue()) === textO && (await again.evaluate((el) => el.readOnly)),
    { timeoutMs: 5000, what: 'the forced edit undone by the server' });
  assert.equal(await boxO.inputValue(), textO, 'the owner never saw the refused edit');
  const status = await bob.page.locator('.notes-status').textContent();
  assert.match(status, /locked/i);
  await screenshot(bob.page, 'notes-locked');
  assert.deepEqual(errors, []);
});

test('notes and polls strings exist in French and English with the same placeholders', () => {
  assertLocalesMatch('notes');
  assertLocalesMatch('polls');
});

test('the textarea binding (web/js/notes_doc.js, real Yjs): two copies typing in the same place converge', async () => {
  globalThis.document = { activeElement: null };
  const { NotesDoc, diff } = await import('../../web/js/notes_doc.js');
  assert.deepEqual(diff('hello world', 'hello brave world'), { at: 6, remove: 0, insert: 'brave ' });
  assert.deepEqual(diff('abcabc', 'abc'), { at: 3, remove: 3, insert: '' });
  const fakeTextarea = () => {
    const listeners = {};
    return {
      value: '', selectionStart: 0, selectionEnd: 0, readOnly: false,
      addEventListener: (type, fn) => { listeners[type] = fn; },
      fire: (type) => listeners[type](),
      setSelectionRange(a, b) { this.selectionStart = a; this.selectionEnd = b; },
    };
  };
  const wire = { a: [], b: [] };
  const ta = fakeTextarea();
  const tb = fakeTextarea();
  const da = new NotesDoc(ta, (m) => wire.b.push(m.update));
  const db = new NotesDoc(tb, (m) => wire.a.push(m.update));
  const type = (box, ch) => {
    const at = box.selectionStart;
    box.value = box.value.slice(0, at) + ch + box.value.slice(box.selectionEnd);
    box.selectionStart = box.selectionEnd = at + 1;
    box.fire('input');
  };
  const deliver = () => {
    da.flush();
    db.flush();
    document.activeElement = tb;
    while (wire.b.length) db.update(wire.b.shift());
    document.activeElement = ta;
    while (wire.a.length) da.update(wire.a.shift());
  };
  ta.value = 'Plan: ';
  ta.selectionStart = ta.selectionEnd = 6;
  ta.fire('input');
  deliver();
  tb.selectionStart = tb.selectionEnd = 6;
  for (let i = 0; i < 200; i++) {
    document.activeElement = ta;
    type(ta, String.fromCharCode(97 + (i % 26)));
    document.activeElement = tb;
    type(tb, String(i % 10));
    if (i % 7 === 0) deliver();
  }
  deliver();
  assert.equal(ta.value, tb.value);
  assert.equal(ta.value.length, 406);
  assert.equal([...ta.value.slice(6)].filter((c) => /[a-z]/.test(c)).join(''), A);
  assert.equal([...ta.value.slice(6)].filter((c) => /[0-9]/.test(c)).join(''), B);
  // A refused edit: the server's copy replaces ours.
  da.replace({ state: (await import('../../web/js/notes_doc.js')).toBase64(new Uint8Array([0, 0])), locked: true, can_edit: false });
  assert.equal(ta.value, '');
  delete globalThis.document;
});
