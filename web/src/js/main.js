// promha's page: checks the editor's text with the wasm build of promha-core
// (crates/promha-web) as the user types, in a worker. This module wires the
// others together; web/scripts/assemble.mjs bundles them into one classic
// script (app.js), because browsers refuse module imports on file:// pages.
import { createChecker } from './checker.js';
import { createEditor } from './editor.js';
import { setupFiles } from './files.js';
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

  const editor = createEditor(
    { input: $('input'), editor: $('editor'), gutter: $('gutter-lines'), marks: $('marks'), largeNotice: $('large-text'), largeMessage: $('large-text-message'), editWhole: $('edit-whole') },
    {
      onEdit: () => {
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
      onOpenSettings: () => settingsForm && settingsForm.reveal(),
    },
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
    } else {
      settingsForm.showVerdict(settings, null);
      editor.setFindings(report.showReport(result, text, editor.markedLine, total));
    }
    link.schedule();
  }

  function loadText(text, options) {
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
