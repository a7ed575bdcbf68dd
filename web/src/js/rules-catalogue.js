// The rule catalogue: every rule with an example it reports and the fix.
import { h, richText } from './dom.js';

/// Renders `rules` into `list`; `onLoadExample(text)` for the example buttons.
export function renderRuleCatalogue(list, rules, { onLoadExample }) {
  list.textContent = '';
  for (const rule of rules) {
    const example = (title, text, label) => h('details', {},
      h('summary', { text: title }),
      h('pre', { class: 'snippet', tabindex: 0, text }),
      h('div', { class: 'example-actions' },
        h('button', { type: 'button', text: label, onclick: () => onLoadExample(text) })));
    list.append(h('article', { class: 'rule', id: 'rule-' + rule.id, tabindex: -1, 'aria-labelledby': 'rule-title-' + rule.id },
      h('h3', { id: 'rule-title-' + rule.id }, rule.id + ' ', h('span', { class: 'sev sev-' + rule.severity, text: rule.severity })),
      h('p', { class: 'rule-summary' }, richText(rule.summary)),
      h('p', { class: 'rule-doc' }, richText(rule.doc)),
      example('Example it reports', rule.badExample, 'Check this example'),
      example('The same, fixed', rule.goodExample, 'Check the fixed example')));
  }
}

/// Scrolls to a rule's entry without touching the URL fragment.
export function showRule(id) {
  const article = document.getElementById('rule-' + id);
  if (!article) return;
  article.scrollIntoView({ block: 'start' });
  article.focus({ preventScroll: true });
}
