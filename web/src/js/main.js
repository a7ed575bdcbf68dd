// promha's page: checks the editor's text with the wasm build of promha-core
// (crates/promha-web) as the user types, in a worker. This module wires the
// others together; web/scripts/assemble.mjs bundles them into one classic
// script (app.js), because browsers refuse module imports on file:// pages.
import { createChecker } from './checker.js';
import { createEditor } from './editor.js';
import { setupFiles } from './files.js';
import { createFixView, fixable } from './fix-view.js';
import { loadWasmModule } from './loader.js';
import { MAX_LISTED, createReportView } from './report.js';
import { renderRuleCatalogue, showRule } from './rules-catalogue.js';
import { createSettingsForm } from './settings-form.js';
import { createShareLink } from './share-link.js';
// Made by the build: web/src/examples/*.yaml, and the worker's script.
import examples from 'promha:examples';
import workerSource from 'promha:worker-source';

const LINT_DELAY_MS = 200;
// A check that takes longer shows its progress.
const PROGRESS_AFTER_MS = 150;
const PROGRESS_EVERY_MS = 100;

function start() {
  const $ = (id) => document.getElementById(id);
  const notice = $('notice');
  const toolbarStatus = $('toolbar-status');
  let statusTimer = 0;
  const setStatus = (message) => {
    toolbarStatus.textContent = message;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => { toolbarStatus.textContent = ''; }, 4000);
  };
  const showNotice = (message) => {
    notice.textContent = message;
    notice.hidden = !message;
  };

  let checker = null;
  let settingsForm = null;
  let lintTimer = 0;
  let generation = 0;
  // The fixes applied, latest last, each {text: the text before it, result, one}:
  // what "Undo" goes back to. A text edited or loaded otherwise forgets them.
  let undoStack = [];
  let fixing = false;

  const editor = createEditor(
    { input: $('input'), editor: $('editor'), gutter: $('gutter-lines'), marks: $('marks'), largeNotice: $('large-text'), largeMessage: $('large-text-message'), editWhole: $('edit-whole') },
    {
      onEdit: () => {
        forgetFixes();
        report.clearSelection();
        scheduleCheck();
      },
    },
  );
  const report = createReportView(
    { results: $('results'), summary: $('summary') },
    {
      onSelectLine: (line, options) => {
        if (editor.markLine(line, options)) setStatus('Line ' + line + ' marked in the editor.');
      },
      onShowRule: showRule,
      onApplyFix: (finding) => applyFix(finding),
      onOpenSettings: () => settingsForm && settingsForm.reveal(),
    },
  );
  const fixView = createFixView(
    { bar: $('fix-bar'), applyAll: $('fix-all'), count: $('fix-count'), panel: $('fix-panel'), heading: $('fix-heading'), left: $('fix-left'), diff: $('fix-diff'), undo: $('fix-undo'), close: $('fix-close') },
    { onApplyAll: () => applyFix(null), onUndo: undoFix },
  );
  const link = createShareLink({
    read: () => ({ text: editor.text, settings: settingsForm ? settingsForm.current() : {} }),
    onTooLong: () => setStatus('The text is too long to keep in the link.'),
  });

  function scheduleCheck() {
    report.setState('pending');
    clearTimeout(lintTimer);
    // Big texts take longer to check: wait longer for the typing to pause.
    lintTimer = setTimeout(checkNow, LINT_DELAY_MS + Math.min(800, editor.text.length / 1000));
  }

  async function checkNow() {
    clearTimeout(lintTimer);
    // Until the checker has started, edits wait for the first check.
    if (!checker || !settingsForm) return;
    const text = editor.text;
    const settings = settingsForm.current();
    const mine = ++generation;
    const startedAt = performance.now();
    let bytes = text.length;
    let ticker = 0;
    const tick = () => report.showProgress(bytes, performance.now() - startedAt);
    const progress = setTimeout(() => {
      tick();
      ticker = setInterval(tick, PROGRESS_EVERY_MS);
    }, PROGRESS_AFTER_MS);
    report.setState('checking');
    report.setPhase('waiting');
    let answer;
    try {
      answer = await checker.check(text, settings, {
        limit: MAX_LISTED,
        onStarted: (size) => {
          bytes = size;
          report.setPhase('running');
        },
      });
    } catch (error) {
      if (mine === generation) {
        console.error('promha: the checker failed', error);
        editor.setFindings([]);
        report.showInternalError(error.message);
      }
      return;
    } finally {
      clearTimeout(progress);
      clearInterval(ticker);
      if (mine === generation) report.setPhase(null);
    }
    // null: a newer check replaced this one.
    if (answer === null || mine !== generation) return;
    const { result, total } = answer;
    if (result && typeof result.error === 'string') {
      settingsForm.showVerdict(settings, result);
      editor.setFindings([]);
      report.showSettingsFailure();
      fixView.setFixable(0);
    } else {
      settingsForm.showVerdict(settings, null);
      const listed = report.showReport(result, text, editor.markedLine, total);
      editor.setFindings(listed);
      fixView.setFixable(listed.filter(fixable).length);
      fixView.setBusy(fixing);
    }
    link.schedule();
  }

  function forgetFixes() {
    undoStack = [];
    fixView.hide();
  }

  // Applies every fix (`which` null) or one finding's, to the text as it
  // is; the fixed text replaces it, to be checked (and kept in the link)
  // as any other.
  async function applyFix(which) {
    if (!checker || !settingsForm || fixing) return;
    clearTimeout(lintTimer);
    const text = editor.text;
    const settings = settingsForm.current();
    fixing = true;
    fixView.setBusy(true);
    setStatus(which === null ? 'Applying all fixes…' : 'Applying the fix…');
    let answer;
    try {
      answer = await checker.fix(text, settings, which, { limit: MAX_LISTED });
    } catch (error) {
      console.error('promha: the fix failed', error);
      fixView.showProblem('The fix failed: ' + error.message + '.', 'failed');
      checkNow();
      return;
    } finally {
      fixing = false;
      fixView.setBusy(false);
    }
    // Superseded, or the text was edited meanwhile: its fix is of another text.
    if (answer === null || editor.text !== text) {
      fixView.showProblem('The text changed while the fix ran, so it was not applied.', 'stale');
      return;
    }
    const { result } = answer;
    if (typeof result.error === 'string') {
      fixView.showProblem('The fix was not applied: ' + result.error + '.', 'failed');
      checkNow();
      return;
    }
    if (result.after !== text) {
      undoStack.push({ text, result, one: which !== null });
      editor.load(result.after);
    }
    fixView.show(result, { one: which !== null, canUndo: undoStack.length > 0 });
    setStatus(result.after !== text ? 'Fixed; the text holds the change.' : 'Nothing was changed.');
    checkNow();
  }

  // Goes back to the text before the last fix; the panel shows the one before, if any.
  function undoFix() {
    const last = undoStack.pop();
    if (!last) return;
    editor.load(last.text);
    const previous = undoStack.at(-1);
    if (previous) fixView.show(previous.result, { one: previous.one, canUndo: true });
    else fixView.hide();
    setStatus('Fix undone.');
    checkNow();
  }

  function loadText(text, options) {
    forgetFixes();
    editor.load(text, options);
    checkNow();
  }

  async function restoreLink() {
    let payload;
    try {
      payload = await link.read();
    } catch (error) {
      showNotice('This link holds a text that cannot be read; it may have been cut short when it was copied.');
      return false;
    }
    if (!payload) return false;
    showNotice('');
    forgetFixes();
    settingsForm.apply(payload.s);
    editor.load(payload.t);
    return true;
  }

  $('example-good').addEventListener('click', () => loadText(examples.good, { focus: false }));
  $('example-broken').addEventListener('click', () => loadText(examples.broken, { focus: false }));
  $('clear').addEventListener('click', () => loadText('', { focus: true }));
  $('copy-link').addEventListener('click', async () => {
    await link.write();
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      setStatus('Link copied.');
    } catch (error) {
      window.prompt('Copy this link:', url);
    }
  });
  // In-page links must not replace the fragment that holds the text.
  document.querySelector('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    editor.focus();
  });
  setupFiles(
    { editor: $('editor'), button: $('open-file'), input: $('file-input') },
    {
      onText: (text, label) => {
        loadText(text, { focus: true });
        setStatus('Loaded ' + label + '.');
      },
      onError: showNotice,
    },
  );
  window.addEventListener('hashchange', async () => {
    if (settingsForm && (await restoreLink())) checkNow();
  });

  (async () => {
    let loaded;
    let meta;
    try {
      loaded = await loadWasmModule();
      checker = createChecker({ module: loaded.module, source: workerSource });
      meta = await checker.ready;
    } catch (error) {
      checker = null;
      console.error('promha: cannot load the checker', error);
      const banner = $('load-error');
      banner.hidden = false;
      banner.textContent = 'The checker could not be loaded: ' + String(error && error.message ? error.message : error) + '. Open the page from its folder (index.html next to app.js and promha_web_wasm.js) in a current browser.';
      report.showLoadFailure();
      return;
    }
    $('version').textContent = meta.version;
    document.documentElement.dataset.wasm = loaded.via;
    settingsForm = createSettingsForm(
      {
        form: $('settings-form'),
        fields: $('settings-fields'),
        panel: $('settings-panel'),
        error: $('settings-error'),
        badge: $('settings-badge'),
        yaml: $('settings-yaml'),
        yamlBox: $('settings-yaml-box'),
        reset: $('settings-reset'),
      },
      { schema: meta.schema, rules: meta.rules, onChange: ({ now }) => (now ? checkNow() : scheduleCheck()) },
    );
    renderRuleCatalogue($('rule-list'), meta.rules, { onLoadExample: (text) => loadText(text, { focus: true }) });
    settingsForm.apply({});
    await restoreLink();
    const first = checkNow();
    document.documentElement.dataset.ready = 'true';
    await first;
    // The first check of a resource compiles promha's schemas (most of a
    // second): do it now rather than on the first paste.
    if (editor.text === '') checker.warm(examples.good);
  })();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
