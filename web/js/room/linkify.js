// Chat text to DOM nodes: http(s) links become <a>, everything else stays text. Built with DOM
// APIs only, so markup in a message (`<img onerror=…>`) is shown as the characters it is.

import { h } from './dom.js';

// A URL runs to the next space or quote; trailing punctuation is the sentence's, not the link's.
const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?\]}»]+$/;

function count(text, char) {
  return text.split(char).length - 1;
}

/** Splits `text` into text nodes and links (http and https only; other schemes stay text). */
export function linkify(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text).matchAll(URL_RE)) {
    let raw = match[0];
    // Strip sentence punctuation, and closing brackets that close none opened inside the URL
    // ("(see https://x.org/a)" ends before the bracket; Wikipedia's "/A_(b)" keeps its own).
    for (let before = ''; before !== raw;) {
      before = raw;
      raw = raw.replace(TRAILING, '');
      if (raw.endsWith(')') && count(raw, ')') > count(raw, '(')) raw = raw.slice(0, -1);
    }
    let url;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(h('a', { href: url.href, rel: 'noopener noreferrer', target: '_blank' }, raw));
    last = match.index + raw.length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}
