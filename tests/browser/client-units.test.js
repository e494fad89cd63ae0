// The client's small pure parts, run in the real browser against the files the server serves:
// chat links (http/https only, sentence punctuation and unbalanced brackets left out, markup
// never interpreted), the client key's format and persistence, and the UI's copy of the role
// table with the targeting rule (it only shows or hides buttons; the server decides).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');

test('client units: linkify, client key, role table copy', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  const context = await launch();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);

  const links = await page.evaluate(async () => {
    const { linkify } = await import('/static/js/room/linkify.js');
    const cases = [
      'see https://a.org/x.',
      '(https://en.wikipedia.org/wiki/A_(b))',
      'javascript:alert(1) and data:text/html,hi',
      'HTTPS://EXAMPLE.ORG/P?q=1&r=2, then',
      '<a href="javascript:x">https://ok.org</a>',
      'http:// nothing',
      '<img src=x onerror=alert(1)>',
      'two https://a.org and http://b.org!',
    ];
    return cases.map((text) => linkify(text).map((n) => (n.nodeType === Node.TEXT_NODE
      ? { text: n.textContent }
      : { tag: n.tagName.toLowerCase(), href: n.getAttribute('href'), text: n.textContent, rel: n.rel, target: n.target })));
  });
  const link = (href, text = href) => ({ tag: 'a', href, text, rel: 'noopener noreferrer', target: '_blank' });
  assert.deepEqual(links[0], [{ text: 'see ' }, link('https://a.org/x'), { text: '.' }]);
  assert.deepEqual(links[1], [{ text: '(' }, link('https://en.wikipedia.org/wiki/A_(b)'), { text: ')' }]);
  assert.deepEqual(links[2], [{ text: 'javascript:alert(1) and data:text/html,hi' }], 'other schemes stay text');
  assert.deepEqual(links[3], [link('https://example.org/P?q=1&r=2', 'HTTPS://EXAMPLE.ORG/P?q=1&r=2'), { text: ', then' }]);
  assert.deepEqual(links[4], [{ text: '<a href="javascript:x">' }, link('https://ok.org/', 'https://ok.org'), { text: '</a>' }]);
  assert.deepEqual(links[5], [{ text: 'http:// nothing' }]);
  assert.deepEqual(links[6], [{ text: '<img src=x onerror=alert(1)>' }], 'markup is text');
  assert.deepEqual(links[7], [{ text: 'two ' }, link('https://a.org/', 'https://a.org'), { text: ' and ' }, link('http://b.org/', 'http://b.org'), { text: '!' }]);

  const keys = await page.evaluate(async () => {
    const { clientKey } = await import('/static/js/protocol.js');
    localStorage.removeItem('amphi.client_key');
    const first = clientKey();
    const again = clientKey();
    localStorage.setItem('amphi.client_key', 'short');
    const replaced = clientKey();
    return { first, again, replaced, stored: localStorage.getItem('amphi.client_key') };
  });
  assert.match(keys.first, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(keys.again, keys.first, 'the key is kept');
  assert.match(keys.replaced, /^[A-Za-z0-9_-]{22}$/, 'a malformed stored key is replaced');
  assert.notEqual(keys.replaced, keys.first);
  assert.equal(keys.stored, keys.replaced);

  const table = await page.evaluate(async () => {
    const { may, mayTarget, roleSwitch } = await import('/static/js/room/permissions.js');
    const roles = ['owner', 'manager', 'moderator', 'participant'];
    const actions = ['open_close', 'admit', 'lock', 'mute_others', 'stop_video_others', 'remove', 'change_role', 'lower_hands', 'chat', 'raise_hand'];
    const mayTable = Object.fromEntries(roles.map((r) => [r, actions.filter((a) => may(r, a))]));
    const targets = {};
    for (const me of roles) {
      targets[me] = roles.filter((other) => mayTarget({ id: 'me', role: me }, { id: 'other', role: other }, 'remove'));
    }
    const self = roles.map((r) => [mayTarget({ id: 'x', role: r }, { id: 'x', role: r }, 'remove'), mayTarget({ id: 'x', role: r }, { id: 'x', role: r }, 'lower_hands')]);
    return { mayTable, targets, self, switches: roles.map((r) => roleSwitch({ role: r })) };
  });
  const moderating = ['open_close', 'admit', 'lock', 'mute_others', 'stop_video_others', 'remove', 'change_role', 'lower_hands', 'chat', 'raise_hand'];
  assert.deepEqual(table.mayTable, { owner: moderating, manager: moderating, moderator: moderating, participant: ['chat', 'raise_hand'] });
  assert.deepEqual(table.targets, {
    owner: ['manager', 'moderator', 'participant'],
    manager: ['manager', 'moderator', 'participant'],
    moderator: ['moderator', 'participant'],
    participant: [],
  }, 'nobody targets the owner or a higher rank');
  assert.deepEqual(table.self, [[false, true], [false, true], [false, true], [false, false]], 'only one\'s own hand, and only for those who may lower hands');
  assert.deepEqual(table.switches, [null, null, 'participant', 'moderator']);
});
