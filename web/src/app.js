// promha's page: lints the editor's text with the wasm build of promha-core
// (crates/promha-web) as the user types. A classic script, not a module, so
// that the page also works when opened from file://.
(function () {
  'use strict';

  const LINT_DELAY_MS = 200;
  const HASH_DELAY_MS = 300;
  const MAX_FRAGMENT = 1500000;
  const PAD_TOP = 8;

  const $ = (id) => document.getElementById(id);
  const el = {
    input: $('input'),
    editor: $('editor'),
    gutter: $('gutter-lines'),
    marks: $('marks'),
    results: $('results'),
    summary: $('summary'),
    loadError: $('load-error'),
    notice: $('notice'),
    toolbarStatus: $('toolbar-status'),
    fileInput: $('file-input'),
    settingsForm: $('settings-form'),
    settingsError: $('settings-error'),
    settingsBadge: $('settings-badge'),
    settingsPanel: $('settings-panel'),
    settingsYaml: $('settings-yaml'),
    settingsYamlBox: $('settings-yaml-box'),
    ruleLevels: $('rule-levels'),
    ruleList: $('rule-list'),
    version: $('version'),
  };

  const state = {
    api: null,
    rules: [],
    defaults: null,
    extraSettings: {},
    report: null,
    markedLine: 0,
    lintTimer: 0,
    hashTimer: 0,
    hashSeq: 0,
    writtenHash: '',
    lineCount: 0,
    revision: 0,
  };

  // ---- loading the wasm ---------------------------------------------------

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('cannot load ' + src));
      document.head.appendChild(script);
    });
  }

  async function gunzip(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  function base64ToBytes(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // Over http(s) the browser fetches promha_web_bg.wasm. From file:// it may
  // not fetch at all, so the same wasm, gzipped and base64-encoded in a
  // classic script (promha_web_wasm.js), is decoded here instead.
  async function loadWasm() {
    if (typeof wasm_bindgen !== 'function') {
      throw new Error('promha_web.js did not load');
    }
    if (location.protocol === 'http:' || location.protocol === 'https:') {
      try {
        await wasm_bindgen({ module_or_path: 'promha_web_bg.wasm' });
        return { api: wasm_bindgen, via: 'fetch' };
      } catch (error) {
        console.warn('promha: fetching promha_web_bg.wasm failed, using the embedded copy', error);
      }
    }
    await loadScript('promha_web_wasm.js');
    const embedded = window.PROMHA_WASM_GZ_BASE64;
    if (typeof embedded !== 'string') throw new Error('promha_web_wasm.js holds no wasm');
    const bytes = await gunzip(base64ToBytes(embedded));
    await wasm_bindgen({ module_or_path: bytes });
    return { api: wasm_bindgen, via: 'embedded' };
  }

  // ---- small helpers ------------------------------------------------------

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'id' || key === 'href' || key === 'type' || key === 'tabindex' || key === 'for' || key === 'value') node.setAttribute(key, String(value));
      else node[key] = value;
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Text with `backticks` rendered as code, as the rules write it.
  function richText(text) {
    const parts = String(text).split('`');
    const fragment = document.createDocumentFragment();
    parts.forEach((part, i) => {
      if (part === '') return;
      fragment.append(i % 2 === 1 && i < parts.length - 1 ? h('code', { text: part }) : document.createTextNode(part));
    });
    return fragment;
  }

  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }

  function setStatus(message) {
    el.toolbarStatus.textContent = message;
    clearTimeout(setStatus.timer);
    setStatus.timer = setTimeout(() => { el.toolbarStatus.textContent = ''; }, 4000);
  }

  function showNotice(message) {
    el.notice.textContent = message;
    el.notice.hidden = !message;
  }

  function lineHeight() {
    const value = parseFloat(getComputedStyle(el.input).lineHeight);
    return Number.isFinite(value) && value > 0 ? value : 20;
  }

  // ---- settings -----------------------------------------------------------

  const NUMBER_KEYS = ['minReplicas', 'alertmanagerMinReplicas'];
  const LIST_KEYS = ['replicaLabels', 'exemptNamespaces'];
  const BOOL_KEYS = ['podDisruptionBudget', 'allowIgnoreAnnotation'];
  const FORM_KEYS = [...NUMBER_KEYS, 'antiAffinity', 'topologyKey', ...LIST_KEYS, ...BOOL_KEYS, 'rules'];

  function field(key) {
    return $('s-' + key);
  }

  function splitList(text) {
    return text.split(/[\s,]+/).filter((s) => s !== '');
  }

  function sameList(a, b) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  }

  // The settings that differ from the defaults, in the policy's schema.
  function currentSettings() {
    const d = state.defaults || {};
    const s = {};
    for (const key of NUMBER_KEYS) {
      const raw = field(key).value.trim();
      if (raw === '') {
        if (field(key).validity && field(key).validity.badInput) s[key] = 'not a number';
        continue;
      }
      const n = Number(raw);
      const value = Number.isFinite(n) ? n : raw;
      if (value !== d[key]) s[key] = value;
    }
    if (field('antiAffinity').value !== (d.antiAffinity || 'preferred')) s.antiAffinity = field('antiAffinity').value;
    const key = field('topologyKey').value.trim();
    if (key !== '' && key !== d.topologyKey) s.topologyKey = key;
    for (const name of LIST_KEYS) {
      const raw = field(name).value.trim();
      if (raw === '') continue;
      const list = splitList(raw);
      if (!sameList(list, d[name])) s[name] = list;
    }
    for (const name of BOOL_KEYS) {
      const checked = field(name).checked;
      if (checked !== (d[name] !== false)) s[name] = checked;
    }
    const rules = {};
    for (const select of el.ruleLevels.querySelectorAll('select')) {
      if (select.value !== '') rules[select.dataset.rule] = select.value;
    }
    if (Object.keys(rules).length > 0) s.rules = rules;
    return Object.assign({}, state.extraSettings, s);
  }

  function applySettings(settings) {
    const s = settings && typeof settings === 'object' && !Array.isArray(settings) ? settings : {};
    const d = state.defaults || {};
    for (const key of NUMBER_KEYS) {
      field(key).value = key in s && s[key] !== null && s[key] !== d[key] ? String(s[key]) : '';
    }
    field('antiAffinity').value = s.antiAffinity === 'required' ? 'required' : 'preferred';
    field('topologyKey').value = typeof s.topologyKey === 'string' ? s.topologyKey : '';
    for (const key of LIST_KEYS) {
      field(key).value = Array.isArray(s[key]) ? s[key].join(', ') : '';
    }
    for (const key of BOOL_KEYS) {
      field(key).checked = key in s ? s[key] !== false : d[key] !== false;
    }
    const rules = s.rules && typeof s.rules === 'object' ? s.rules : {};
    for (const select of el.ruleLevels.querySelectorAll('select')) {
      const level = rules[select.dataset.rule];
      select.value = ['off', 'warning', 'error'].includes(level) ? level : '';
    }
    // Keep what the form cannot show, so that its error is reported.
    const extra = {};
    for (const [key, value] of Object.entries(s)) {
      if (!FORM_KEYS.includes(key)) extra[key] = value;
    }
    if (s.antiAffinity !== undefined && s.antiAffinity !== 'required' && s.antiAffinity !== 'preferred') extra.antiAffinity = s.antiAffinity;
    if (s.rules !== undefined && (typeof s.rules !== 'object' || s.rules === null || Array.isArray(s.rules))) extra.rules = s.rules;
    else {
      const unknownRules = Object.entries(rules).filter(([id, level]) => !state.rules.some((r) => r.id === id) || !['off', 'warning', 'error'].includes(level));
      if (unknownRules.length > 0) extra.rules = rules;
    }
    state.extraSettings = extra;
  }

  // A .promha.yaml equivalent of the settings, for the CLI.
  function toYaml(value, indent) {
    const pad = ' '.repeat(indent);
    if (Array.isArray(value)) {
      return value.length === 0 ? ' []' : value.map((v) => '\n' + pad + '- ' + toYaml(v, indent + 2).trimStart()).join('');
    }
    if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      return keys.length === 0 ? ' {}' : keys.map((k) => '\n' + pad + JSON.stringify(k).slice(1, -1) + ':' + toYaml(value[k], indent + 2)).join('');
    }
    return ' ' + (typeof value === 'string' && /^[A-Za-z_][\w./-]*$/.test(value) && !['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n'].includes(value.toLowerCase()) ? value : JSON.stringify(value));
  }

  function renderSettingsState(settings, error) {
    const changed = Object.keys(settings).length > 0;
    el.settingsBadge.hidden = !changed;
    el.settingsYamlBox.hidden = !changed;
    el.settingsYaml.textContent = changed ? toYaml(settings, 0).trimStart() + '\n' : '';
    if (error) {
      el.settingsError.hidden = false;
      el.settingsError.textContent = '';
      el.settingsError.append(h('strong', { text: 'Invalid settings' }), h('ul', {}, (error.problems || [error.error]).map((p) => h('li', {}, richText(p)))));
    } else {
      el.settingsError.hidden = true;
      el.settingsError.textContent = '';
    }
  }

  function renderRuleLevels() {
    el.ruleLevels.textContent = '';
    for (const rule of state.rules) {
      const id = 'level-' + rule.id;
      const select = h('select', { id, 'data-rule': rule.id },
        h('option', { value: '', text: 'default (' + rule.severity + ')' }),
        h('option', { value: 'off', text: 'off' }),
        h('option', { value: 'warning', text: 'warning' }),
        h('option', { value: 'error', text: 'error' }));
      el.ruleLevels.append(h('label', { for: id }, h('code', { text: rule.id }), select));
    }
  }

  // ---- the rule catalogue -------------------------------------------------

  function renderRules() {
    el.ruleList.textContent = '';
    for (const rule of state.rules) {
      const example = (title, text, label) => h('details', {},
        h('summary', { text: title }),
        h('pre', { class: 'snippet', tabindex: 0, text }),
        h('div', { class: 'example-actions' },
          h('button', { type: 'button', text: label, onclick: () => loadText(text, { focus: true }) })));
      el.ruleList.append(h('article', { class: 'rule', id: 'rule-' + rule.id, tabindex: -1, 'aria-labelledby': 'rule-title-' + rule.id },
        h('h3', { id: 'rule-title-' + rule.id }, rule.id + ' ', h('span', { class: 'sev sev-' + rule.severity, text: rule.severity })),
        h('p', { class: 'rule-summary' }, richText(rule.summary)),
        h('p', { class: 'rule-doc' }, richText(rule.doc)),
        example('Example it reports', rule.badExample, 'Check this example'),
        example('The same, fixed', rule.goodExample, 'Check the fixed example')));
    }
  }

  function showRule(id) {
    const article = $('rule-' + id);
    if (!article) return;
    article.scrollIntoView({ block: 'start' });
    article.focus({ preventScroll: true });
  }

  // ---- the editor ---------------------------------------------------------

  function lineStarts(text) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }

  function renderGutter() {
    const text = el.input.value;
    let count = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
    if (count === state.lineCount) return;
    state.lineCount = count;
    const lines = new Array(count);
    for (let i = 0; i < count; i++) lines[i] = i + 1;
    el.gutter.textContent = lines.join('\n');
  }

  function syncScroll() {
    const top = el.input.scrollTop;
    el.gutter.style.transform = 'translateY(' + -top + 'px)';
    el.marks.style.transform = 'translateY(' + -top + 'px)';
  }

  function renderMarks() {
    el.marks.textContent = '';
    const lh = lineHeight();
    const lines = new Map();
    for (const f of (state.report && state.report.findings) || []) {
      if (f.line > 0 && lines.get(f.line) !== 'error') lines.set(f.line, f.severity);
    }
    for (const [line, severity] of lines) {
      const mark = h('div', { class: 'mark finding-' + severity, 'data-line': line });
      mark.style.top = PAD_TOP + (line - 1) * lh + 'px';
      el.marks.append(mark);
    }
    if (state.markedLine > 0) {
      const mark = h('div', { class: 'mark current', id: 'line-mark', 'data-line': state.markedLine });
      mark.style.top = PAD_TOP + (state.markedLine - 1) * lh + 'px';
      el.marks.append(mark);
      el.editor.dataset.markedLine = String(state.markedLine);
    } else {
      delete el.editor.dataset.markedLine;
    }
    syncScroll();
  }

  // Marks a line: highlights it, selects it and scrolls it into view.
  function markLine(line, options) {
    const text = el.input.value;
    const starts = lineStarts(text);
    if (!(line >= 1 && line <= starts.length)) return;
    state.markedLine = line;
    renderMarks();
    const start = starts[line - 1];
    const end = line < starts.length ? starts[line] - 1 : text.length;
    if (options && options.focus) el.input.focus({ preventScroll: true });
    el.input.setSelectionRange(start, end, 'backward');
    const lh = lineHeight();
    el.input.scrollTop = Math.max(0, PAD_TOP + (line - 1) * lh - el.input.clientHeight / 3);
    el.input.scrollLeft = 0;
    syncScroll();
    const box = el.editor.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) el.editor.scrollIntoView({ block: 'nearest' });
  }

  function clearMark() {
    if (state.markedLine === 0) return;
    state.markedLine = 0;
    for (const f of el.results.querySelectorAll('.finding.selected')) {
      f.classList.remove('selected');
      f.removeAttribute('aria-current');
    }
    renderMarks();
  }

  function loadText(text, options) {
    el.input.value = text;
    el.input.scrollTop = 0;
    el.input.scrollLeft = 0;
    state.markedLine = 0;
    lintNow();
    if (options && options.focus) {
      el.editor.scrollIntoView({ block: 'nearest' });
      el.input.focus({ preventScroll: true });
      el.input.setSelectionRange(0, 0);
    }
  }

  // ---- linting and findings ----------------------------------------------

  function scheduleLint() {
    el.results.dataset.state = 'pending';
    clearTimeout(state.lintTimer);
    // Big texts take longer to check: wait longer for the typing to pause.
    state.lintTimer = setTimeout(lintNow, LINT_DELAY_MS + Math.min(800, el.input.value.length / 1000));
  }

  function lintNow() {
    clearTimeout(state.lintTimer);
    renderGutter();
    if (!state.api) return;
    const text = el.input.value;
    const settings = currentSettings();
    let result;
    try {
      result = state.api.lint(text, settings);
    } catch (error) {
      console.error('promha: the checker failed', error);
      state.report = null;
      el.results.dataset.state = 'internal-error';
      el.results.textContent = '';
      el.results.append(h('div', { class: 'error-box', role: 'alert' }, 'The checker failed on this text: ' + String(error) + '. Please reload the page and report the text that caused it.'));
      return;
    }
    state.revision++;
    el.results.dataset.revision = String(state.revision);
    if (result && typeof result.error === 'string') {
      state.report = null;
      renderSettingsState(settings, result);
      renderSettingsFailure();
      el.results.dataset.state = 'settings-error';
    } else {
      state.report = result;
      renderSettingsState(settings, null);
      renderReport(result, text);
      el.results.dataset.state = 'ok';
    }
    renderMarks();
    scheduleHash();
  }

  function renderSettingsFailure() {
    el.results.textContent = '';
    el.results.dataset.findings = '0';
    el.summary.className = 'summary';
    el.summary.textContent = 'The settings are invalid, so nothing was checked.';
    el.results.append(h('p', { class: 'empty' }, 'Fix the settings below: ', h('a', { href: '#settings-panel', onclick: (e) => { e.preventDefault(); el.settingsPanel.open = true; el.settingsPanel.scrollIntoView({ block: 'start' }); el.settingsError.focus({ preventScroll: true }); } }, 'open the settings')));
  }

  function resourceLabel(resource) {
    const where = resource.namespace ? resource.namespace + '/' + resource.name : resource.name;
    // A standalone prometheus.yml or an unreadable text: the editor's whole
    // text, which promha calls input.yaml.
    return resource.kind === 'file' ? where + ' (the whole text)' : resource.kind + ' ' + where;
  }

  function renderReport(report, text) {
    const findings = report.findings || [];
    const summary = report.summary || {};
    el.results.textContent = '';
    el.results.dataset.findings = String(findings.length);
    el.summary.className = 'summary';
    if (findings.length === 0) {
      if (text.trim() === '') {
        el.summary.textContent = 'Paste manifests or a prometheus.yml, drop files, or load an example.';
      } else if (!summary.documents) {
        el.summary.textContent = 'No findings: nothing promha checks was found in this text.';
      } else {
        el.summary.className = 'summary clean';
        el.summary.textContent = 'No findings in ' + plural(summary.documents, 'resource') + '.';
      }
      return;
    }
    const parts = [];
    if (summary.errors) parts.push(plural(summary.errors, 'error'));
    if (summary.warnings) parts.push(plural(summary.warnings, 'warning'));
    el.summary.textContent = parts.join(' and ') + ' in ' + plural(summary.documents || 0, 'resource') + '.';

    const groups = new Map();
    for (const finding of findings) {
      const r = finding.resource || {};
      const key = JSON.stringify([r.apiVersion, r.kind, r.namespace, r.name]);
      if (!groups.has(key)) groups.set(key, { resource: r, findings: [] });
      groups.get(key).findings.push(finding);
    }
    let n = 0;
    for (const group of groups.values()) {
      const headingId = 'group-' + n++;
      const list = h('ul', { class: 'findings' });
      for (const f of group.findings) {
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
        h('a', { class: 'about', href: '#rule-' + f.rule, 'data-rule-link': f.rule, text: 'About ' + f.rule }));
        if (line && line === state.markedLine) {
          item.classList.add('selected');
          item.setAttribute('aria-current', 'true');
        }
        list.append(item);
      }
      const r = group.resource;
      el.results.append(h('section', { class: 'group', 'aria-labelledby': headingId },
        h('h3', { id: headingId }, resourceLabel(r), r.apiVersion ? h('span', { class: 'api', text: ' ' + r.apiVersion }) : null),
        list));
    }
  }

  function onResultsClick(event) {
    const link = event.target.closest('a[data-rule-link]');
    if (link) {
      event.preventDefault();
      showRule(link.dataset.ruleLink);
      return;
    }
    const item = event.target.closest('.finding');
    if (!item || !el.results.contains(item)) return;
    if (event.target.closest('a') || (window.getSelection && String(window.getSelection()) !== '' && !event.target.closest('button'))) return;
    const line = Number(item.dataset.line);
    if (!(line > 0)) return;
    for (const other of el.results.querySelectorAll('.finding.selected')) {
      other.classList.remove('selected');
      other.removeAttribute('aria-current');
    }
    item.classList.add('selected');
    item.setAttribute('aria-current', 'true');
    // A pointer click moves to the editor; the keyboard stays in the list.
    markLine(line, { focus: event.detail > 0 });
    setStatus('Line ' + line + ' marked in the editor.');
  }

  // ---- the URL fragment ---------------------------------------------------

  function bytesToBase64Url(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function base64UrlToBytes(text) {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    return base64ToBytes(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  }

  async function transform(bytes, stream) {
    const piped = new Blob([bytes]).stream().pipeThrough(stream);
    return new Uint8Array(await new Response(piped).arrayBuffer());
  }

  // `#z=…`: deflate-raw of the JSON {t: text, s: settings}, base64url.
  // `#j=…`: the same JSON uncompressed (browsers without CompressionStream).
  // `#t=…`: a URI-encoded text alone, for links written by hand.
  async function encodeFragment(text, settings) {
    if (text === '' && Object.keys(settings).length === 0) return '';
    const payload = { t: text };
    if (Object.keys(settings).length > 0) payload.s = settings;
    const json = new TextEncoder().encode(JSON.stringify(payload));
    if (typeof CompressionStream === 'function') {
      return 'z=' + bytesToBase64Url(await transform(json, new CompressionStream('deflate-raw')));
    }
    return 'j=' + bytesToBase64Url(json);
  }

  async function decodeFragment(hash) {
    const fragment = hash.replace(/^#/, '');
    if (fragment.startsWith('z=')) {
      const bytes = await transform(base64UrlToBytes(fragment.slice(2)), new DecompressionStream('deflate-raw'));
      return parsePayload(new TextDecoder().decode(bytes));
    }
    if (fragment.startsWith('j=')) {
      return parsePayload(new TextDecoder().decode(base64UrlToBytes(fragment.slice(2))));
    }
    if (fragment.startsWith('t=')) {
      return { t: decodeURIComponent(fragment.slice(2)) };
    }
    return null;
  }

  function parsePayload(json) {
    const payload = JSON.parse(json);
    if (!payload || typeof payload !== 'object' || typeof payload.t !== 'string') throw new Error('no text in the link');
    return payload;
  }

  // <html data-link="pending|saved">: whether the fragment holds the latest text.
  function scheduleHash() {
    document.documentElement.dataset.link = 'pending';
    clearTimeout(state.hashTimer);
    state.hashTimer = setTimeout(writeHash, HASH_DELAY_MS);
  }

  async function writeHash() {
    clearTimeout(state.hashTimer);
    const seq = ++state.hashSeq;
    let fragment;
    try {
      fragment = await encodeFragment(el.input.value, currentSettings());
    } catch (error) {
      console.warn('promha: cannot encode the link', error);
      if (seq === state.hashSeq) document.documentElement.dataset.link = 'failed';
      return;
    }
    if (seq !== state.hashSeq) return;
    if (fragment.length > MAX_FRAGMENT) {
      setStatus('The text is too long to keep in the link.');
      fragment = '';
    }
    const hash = fragment ? '#' + fragment : '';
    state.writtenHash = hash;
    if (location.hash !== hash && !(hash === '' && location.hash === '')) {
      const url = location.href.replace(/#.*$/, '') + hash;
      history.replaceState(null, '', url);
    }
    document.documentElement.dataset.link = 'saved';
  }

  async function restoreHash() {
    if (location.hash === '' || location.hash === '#' || location.hash === state.writtenHash) return false;
    let payload;
    try {
      payload = await decodeFragment(location.hash);
    } catch (error) {
      showNotice('This link holds a text that cannot be read; it may have been cut short when it was copied.');
      return false;
    }
    if (!payload) return false;
    showNotice('');
    state.writtenHash = location.hash;
    applySettings(payload.s);
    el.input.value = payload.t;
    el.input.scrollTop = 0;
    state.markedLine = 0;
    if (payload.s && Object.keys(payload.s).length > 0) el.settingsPanel.open = true;
    return true;
  }

  // ---- files --------------------------------------------------------------

  async function loadFiles(fileList) {
    const files = Array.from(fileList || []);
    if (files.length === 0) return;
    try {
      const texts = await Promise.all(files.map((f) => f.text()));
      let text;
      if (files.length === 1) {
        text = texts[0];
      } else {
        text = texts.map((t, i) => '# file: ' + files[i].name + '\n' + (t.endsWith('\n') ? t : t + '\n')).join('---\n');
      }
      loadText(text, { focus: true });
      setStatus('Loaded ' + (files.length === 1 ? files[0].name : plural(files.length, 'file')) + '.');
    } catch (error) {
      showNotice('Cannot read the file: ' + String(error));
    }
  }

  function hasFiles(event) {
    return event.dataTransfer && Array.from(event.dataTransfer.types || []).includes('Files');
  }

  function setupDragAndDrop() {
    let depth = 0;
    window.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      depth++;
      el.editor.classList.add('dragging');
    });
    window.addEventListener('dragleave', (event) => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) el.editor.classList.remove('dragging');
    });
    window.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    });
    window.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      el.editor.classList.remove('dragging');
      loadFiles(event.dataTransfer.files);
    });
  }

  async function copyLink() {
    await writeHash();
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      setStatus('Link copied.');
    } catch (error) {
      window.prompt('Copy this link:', url);
    }
  }

  // ---- start --------------------------------------------------------------

  function setupUi() {
    el.input.addEventListener('input', () => {
      clearMark();
      renderGutter();
      scheduleLint();
    });
    el.input.addEventListener('scroll', syncScroll);
    el.results.addEventListener('click', onResultsClick);
    $('example-good').addEventListener('click', () => loadText(window.PROMHA_EXAMPLES.good, { focus: false }));
    $('example-broken').addEventListener('click', () => loadText(window.PROMHA_EXAMPLES.broken, { focus: false }));
    $('clear').addEventListener('click', () => loadText('', { focus: true }));
    $('open-file').addEventListener('click', () => el.fileInput.click());
    el.fileInput.addEventListener('change', () => {
      loadFiles(el.fileInput.files);
      el.fileInput.value = '';
    });
    $('copy-link').addEventListener('click', copyLink);
    // In-page links must not replace the fragment that holds the text.
    document.querySelector('.skip').addEventListener('click', (event) => {
      event.preventDefault();
      el.input.focus();
    });
    // Once the form is edited, it is the truth for every setting it shows;
    // settings it cannot show (from a link) stay until reset.
    const formEdited = () => {
      for (const key of FORM_KEYS) delete state.extraSettings[key];
    };
    el.settingsForm.addEventListener('input', () => {
      formEdited();
      scheduleLint();
    });
    el.settingsForm.addEventListener('change', () => {
      formEdited();
      lintNow();
    });
    el.settingsForm.addEventListener('submit', (event) => event.preventDefault());
    $('settings-reset').addEventListener('click', () => {
      applySettings({});
      lintNow();
    });
    window.addEventListener('hashchange', async () => {
      if (await restoreHash()) lintNow();
    });
    window.addEventListener('resize', renderMarks);
    setupDragAndDrop();
  }

  async function start() {
    setupUi();
    renderGutter();
    let loaded;
    try {
      loaded = await loadWasm();
    } catch (error) {
      console.error('promha: cannot load the checker', error);
      el.loadError.hidden = false;
      el.loadError.textContent = 'The checker could not be loaded: ' + String(error && error.message ? error.message : error) + '. Open the page from its folder (index.html next to promha_web.js and promha_web_wasm.js) in a current browser.';
      el.summary.textContent = 'The checker could not be loaded.';
      el.results.dataset.state = 'failed';
      return;
    }
    state.api = loaded.api;
    state.rules = state.api.rules();
    state.defaults = state.api.defaultSettings();
    el.version.textContent = state.api.version();
    document.documentElement.dataset.wasm = loaded.via;
    renderRuleLevels();
    renderRules();
    applySettings({});
    await restoreHash();
    lintNow();
    document.documentElement.dataset.ready = 'true';
    // The first check of a resource compiles promha's schemas (most of a
    // second): do it while the page is idle rather than on the first paste.
    if (el.input.value === '') {
      const warm = () => { try { state.api.lint(window.PROMHA_EXAMPLES.good, null); } catch (error) { /* reported on use */ } };
      if ('requestIdleCallback' in window) requestIdleCallback(warm, { timeout: 2000 }); else setTimeout(warm, 500);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
