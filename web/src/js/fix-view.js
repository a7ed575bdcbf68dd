// The fixes: the "Apply all fixes" bar over the findings, and the panel that
// shows what the last fix did: the unified diff of the change, the findings
// left with the reason each was not fixed, and "Undo". It shows what it is
// given; main.js runs the fixes and keeps the texts to undo to.
// `html[data-fix]` says what the last fix did (running, done, unchanged,
// failed, stale), for the tests.
import { h, plural, richText } from './dom.js';

/// The lines of a unified diff, each with what it is: `head` (the ---/+++
/// file names), `hunk` (@@), `add`, `del` or `same`.
export function diffLines(diff) {
  const lines = diff.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let inHunk = false;
  return lines.map((text) => {
    let kind;
    if (text.startsWith('@@')) {
      inHunk = true;
      kind = 'hunk';
    } else if (!inHunk && (text.startsWith('--- ') || text.startsWith('+++ '))) kind = 'head';
    else if (text.startsWith('+')) kind = 'add';
    else if (text.startsWith('-')) kind = 'del';
    else kind = 'same';
    return { kind, text };
  });
}

/// Whether a finding (as `lint(text, settings, {edits: true})` gives it)
/// has a fix promha is certain of.
export const fixable = (finding) => Array.isArray(finding.edits) && finding.edits.length > 0;

/// `elements`: {bar, applyAll, count, panel, heading, left, diff, undo,
/// close}. `onApplyAll()`, `onUndo()` from their buttons.
export function createFixView(elements, { onApplyAll, onUndo }) {
  const { bar, applyAll, count, panel, heading, left, diff, undo, close } = elements;
  const root = document.documentElement;
  applyAll.addEventListener('click', () => onApplyAll());
  undo.addEventListener('click', () => onUndo());
  close.addEventListener('click', () => {
    panel.hidden = true;
  });

  function showDiff(text) {
    diff.textContent = '';
    diff.hidden = text === '';
    for (const line of diffLines(text)) {
      diff.append(h('span', { class: 'diff-' + line.kind, text: line.text + '\n' }));
    }
  }

  function showLeft(items) {
    left.textContent = '';
    left.hidden = items.length === 0;
    for (const { finding, reason } of items) {
      left.append(h('li', { 'data-rule': finding.rule, 'data-line': finding.line },
        h('span', { class: 'rule-id', text: finding.rule }),
        finding.line > 0 ? h('span', { class: 'loc', text: ' line ' + finding.line }) : null,
        ': not fixed: ', richText(reason)));
    }
  }

  return {
    /// How many of the findings shown have a fix: the bar shows when any do.
    setFixable(n) {
      bar.hidden = n === 0;
      count.textContent = n === 0 ? '' : plural(n, 'finding') + ' with a fix promha is certain of.';
    },

    /// While a fix runs, the fix buttons wait.
    setBusy(busy) {
      applyAll.disabled = busy;
      for (const button of document.querySelectorAll('button.apply-fix')) button.disabled = busy;
      if (busy) root.dataset.fix = 'running';
    },

    /// What a fix did: `result` is fixAll's or fixFinding's answer;
    /// `canUndo` whether there is a text to go back to.
    show(result, { one, canUndo }) {
      const changed = result.diff !== '';
      const fixed = result.fixed.length;
      if (changed) heading.textContent = (one ? 'Applied the fix: ' : 'Applied all fixes: ') + plural(fixed, 'finding') + ' fixed' + (result.left.length ? ', ' + result.left.length + ' not' : '') + '.';
      else heading.textContent = one ? 'The fix was not applied.' : 'Nothing to fix: no fix promha is certain of applies to this text.';
      showLeft(result.left);
      showDiff(result.diff);
      undo.hidden = !canUndo;
      panel.hidden = false;
      root.dataset.fix = changed ? 'done' : 'unchanged';
    },

    /// A fix that could not run, or whose text changed meanwhile.
    showProblem(message, state) {
      heading.textContent = message;
      showLeft([]);
      showDiff('');
      undo.hidden = true;
      panel.hidden = false;
      root.dataset.fix = state;
    },

    hide() {
      panel.hidden = true;
      delete root.dataset.fix;
    },
  };
}
