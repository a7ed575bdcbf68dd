// Small DOM and text helpers shared by the page's views. No state.

const ATTRIBUTES = new Set(['role', 'id', 'href', 'type', 'tabindex', 'for', 'value', 'name', 'min', 'max', 'step', 'pattern', 'inputmode', 'placeholder', 'spellcheck', 'autocapitalize', 'autocomplete']);

/// `h('p', {class: 'x', text: 'y'}, child, …)`: an element. `data-*`,
/// `aria-*` and the names above are set as attributes, anything else as a
/// property (`onclick`, `checked`, …); null, undefined and false are skipped.
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || ATTRIBUTES.has(key)) node.setAttribute(key, String(value));
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/// Text with `backticks` rendered as code, as the rules and settings write it.
export function richText(text) {
  const parts = String(text).split('`');
  const fragment = document.createDocumentFragment();
  parts.forEach((part, i) => {
    if (part === '') return;
    fragment.append(i % 2 === 1 && i < parts.length - 1 ? h('code', { text: part }) : document.createTextNode(part));
  });
  return fragment;
}

export function plural(n, word) {
  return n + ' ' + word + (n === 1 ? '' : 's');
}

/// `1.5 MB`, `820 kB`, `12 bytes` (decimal units, as browsers show file sizes).
export function formatBytes(n) {
  if (n < 1000) return plural(n, 'byte');
  if (n < 1e6) return (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + ' kB';
  return (n / 1e6).toFixed(n < 1e7 ? 1 : 0) + ' MB';
}

/// `0.4 s`, `12 s`.
export function formatSeconds(ms) {
  const s = ms / 1000;
  return (s < 10 ? s.toFixed(1) : Math.round(s)) + ' s';
}
