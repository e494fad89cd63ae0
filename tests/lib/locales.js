// The client's strings (web/locales/<lang>/<name>.json) must exist in every language with the
// same {placeholders}: a key missing in one language shows as the key itself on the page.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const LOCALES = path.join(__dirname, '..', '..', 'web', 'locales');

/** Asserts that `name`.json has the same keys in French and English, with the same placeholders. */
function assertLocalesMatch(name) {
  const load = (lang) => JSON.parse(fs.readFileSync(path.join(LOCALES, lang, `${name}.json`), 'utf8'));
  const en = load('en');
  const fr = load('fr');
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort(), `${name}.json: the same keys in fr and en`);
  const holes = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
  for (const key of Object.keys(en)) assert.equal(holes(fr[key]), holes(en[key]), `placeholders of "${key}" (${name}.json)`);
}

module.exports = { assertLocalesMatch };
