// The findings pane: the summary line, the findings grouped by resource, the
// progress of a running check, and the failures. `#results[data-state]` says
// which is shown (loading, pending, checking, ok, settings-error,
// internal-error, failed), for the tests and the style sheet.
import { formatBytes, formatSeconds, h, plural, richText } from './dom.js';
import { fixable } from './fix-view.js';

// More findings than this are counted but not listed: a page of thousands
// of DOM nodes per keystroke helps nobody.
export const MAX_LISTED = 1000;

function resourceLabel(resource) {
  const where = resource.namespace ? resource.namespace + '/' + resource.name : resource.name;
  // A standalone prometheus.yml or an unreadable text: the editor's whole
  // text, which promha calls input.yaml.
  return resource.kind === 'file' ? where + ' (the whole text)' : resource.kind + ' ' + where;
}

/// `elements`: {results, summary}. `onSelectLine(line, {focus})` when a
/// finding is chosen; `onShowRule(id)` for a finding's "About" link;
/// `onApplyFix(finding)` for its "Apply fix" button (findings with edits);
/// `onOpenSettings()` from the invalid-settings message.
export function createReportView(elements, { onSelectLine, onShowRule, onApplyFix, onOpenSettings }) {
  const { results, summary } = elements;
  let revision = 0;
  // The findings listed, by their index in the list.
  let listed = [];

  function setState(state) {
    results.dataset.state = state;
    results.setAttribute('aria-busy', String(state === 'checking' || state === 'loading'));
  }

  function setSummary(text, className) {
    summary.className = 'summary' + (className ? ' ' + className : '');
    summary.textContent = text;
  }

  function newRevision() {
    revision++;
    results.dataset.revision = String(revision);
  }

  function clearSelection() {
    for (const item of results.querySelectorAll('.finding.selected')) {
      item.classList.remove('selected');
      item.removeAttribute('aria-current');
    }
  }

  results.addEventListener('click', (event) => {
    const apply = event.target.closest('button.apply-fix');
    if (apply) {
      const finding = listed[Number(apply.dataset.index)];
      if (finding) onApplyFix(finding);
      return;
    }
    const link = event.target.closest('a[data-rule-link]');
    if (link) {
      event.preventDefault();
      onShowRule(link.dataset.ruleLink);
      return;
    }
    const item = event.target.closest('.finding');
    if (!item || !results.contains(item)) return;
    if (event.target.closest('a') || (window.getSelection && String(window.getSelection()) !== '' && !event.target.closest('button'))) return;
    const line = Number(item.dataset.line);
    if (!(line > 0)) return;
    clearSelection();
    item.classList.add('selected');
    item.setAttribute('aria-current', 'true');
    // A pointer click moves to the editor; the keyboard stays in the list.
    onSelectLine(line, { focus: event.detail > 0 });
  });

  function findingItem(f, index, markedLine) {
    const line = Number(f.line) > 0 ? Number(f.line) : 0;
    const item = h('li', {
      class: 'finding',
      'data-rule': f.rule,
      'data-severity': f.severity,
      'data-line': line,
      'data-column': Number(f.column) > 0 ? Number(f.column) : 0,
    },
    h('button', { type: 'button', class: 'goto', 'aria-label': f.severity + ' ' + f.rule + (line ? ', line ' + line + ': show in the editor' : '') },
      h('span', { class: 'sev sev-' + f.severity, text: f.severity }),
      h('span', { class: 'rule-id', text: f.rule }),
      line ? h('span', { class: 'loc', text: 'line ' + line + (f.column ? ', column ' + f.column : '') }) : null),
    h('p', { class: 'message' }, richText(f.message)),
    f.fix ? h('p', { class: 'fix' }, h('strong', { text: 'Fix: ' }), richText(f.fix)) : null,
    h('div', { class: 'finding-actions' },
      fixable(f) ? h('button', { type: 'button', class: 'apply-fix', 'data-index': index, 'aria-label': 'Apply the fix for ' + f.rule + (line ? ', line ' + line : ''), text: 'Apply fix' }) : null,
      h('a', { class: 'about', href: '#rule-' + f.rule, 'data-rule-link': f.rule, text: 'About ' + f.rule })));
    if (line && line === markedLine) {
      item.classList.add('selected');
      item.setAttribute('aria-current', 'true');
    }
    return item;
  }

  return {
    setState,
    clearSelection,

    /// `#results[data-check]`: whether the check waits for the worker (which
    /// finishes the one before) or runs; null when there is none.
    setPhase(phase) {
      if (phase) results.dataset.check = phase;
      else delete results.dataset.check;
    },

    /// A check is running: "Checking 3.2 MB… 1.4 s". The findings of the
    /// previous check stay, dimmed, until the result replaces them.
    showProgress(bytes, elapsedMs) {
      setState('checking');
      setSummary('Checking ' + formatBytes(bytes) + '… ' + formatSeconds(elapsedMs), 'checking');
    },

    /// Shows a report, which may hold only the first of `total` findings;
    /// returns the findings listed (at most MAX_LISTED).
    showReport(report, text, markedLine, total) {
      newRevision();
      const findings = report.findings || [];
      const count = Math.max(findings.length, total || 0);
      const counts = report.summary || {};
      results.textContent = '';
      results.dataset.findings = String(count);
      setState('ok');
      listed = [];
      if (findings.length === 0) {
        if (text.trim() === '') setSummary('Paste manifests or a prometheus.yml, drop files, or load an example.');
        else if (!counts.documents) setSummary('No findings: nothing promha checks was found in this text.');
        else setSummary('No findings in ' + plural(counts.documents, 'resource') + '.', 'clean');
        return [];
      }
      const parts = [];
      if (counts.errors) parts.push(plural(counts.errors, 'error'));
      if (counts.warnings) parts.push(plural(counts.warnings, 'warning'));
      setSummary(parts.join(' and ') + ' in ' + plural(counts.documents || 0, 'resource') + '.');

      listed = findings.slice(0, MAX_LISTED);
      const groups = new Map();
      listed.forEach((finding, index) => {
        const r = finding.resource || {};
        const key = JSON.stringify([r.apiVersion, r.kind, r.namespace, r.name]);
        if (!groups.has(key)) groups.set(key, { resource: r, findings: [] });
        groups.get(key).findings.push({ finding, index });
      });
      let n = 0;
      for (const group of groups.values()) {
        const headingId = 'group-' + n++;
        const r = group.resource;
        results.append(h('section', { class: 'group', 'aria-labelledby': headingId },
          h('h3', { id: headingId }, resourceLabel(r), r.apiVersion ? h('span', { class: 'api', text: ' ' + r.apiVersion }) : null),
          h('ul', { class: 'findings' }, group.findings.map(({ finding, index }) => findingItem(finding, index, markedLine)))));
      }
      if (count > listed.length) {
        results.append(h('p', { class: 'more', role: 'note' }, 'The first ' + listed.length + ' of ' + plural(count, 'finding') + ' are listed; the CLI (promha lint) lists them all.'));
      }
      return listed;
    },

    showSettingsFailure() {
      newRevision();
      listed = [];
      results.textContent = '';
      results.dataset.findings = '0';
      setState('settings-error');
      setSummary('The settings are invalid, so nothing was checked.');
      results.append(h('p', { class: 'empty' }, 'Fix the settings below: ', h('a', { href: '#settings-panel', onclick: (e) => { e.preventDefault(); onOpenSettings(); } }, 'open the settings')));
    },

    showInternalError(message) {
      listed = [];
      results.textContent = '';
      setState('internal-error');
      setSummary('The checker failed.');
      results.append(h('div', { class: 'error-box', role: 'alert' }, 'The checker failed on this text: ' + message + '. Please reload the page and report the text that caused it.'));
    },

    showLoadFailure() {
      setState('failed');
      setSummary('The checker could not be loaded.');
    },
  };
}
