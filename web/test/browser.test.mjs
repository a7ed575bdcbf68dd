// The page in a real browser: Debian's Chromium driven by playwright-core.
// web/dist is served from this test on a random localhost port, and also
// opened from file://. Any console error, page error or failed request fails
// the test, and so does any request that leaves the page's own folder.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { encodeFragment } from '../src/js/share-link.js';
import { distDir, launchChromium, loadWasmApi, serveDist, watchedPage, webDir } from './helpers.mjs';

const broken = readFileSync(join(webDir, 'src', 'examples', 'broken.yaml'), 'utf8');
const good = readFileSync(join(webDir, 'src', 'examples', 'good.yaml'), 'utf8');
const fileUrl = pathToFileURL(join(distDir, 'index.html')).href;

let server;
let browser;
let api;
const requests = [];

before(async () => {
  api = loadWasmApi();
  server = await serveDist();
  browser = await launchChromium();
  browser.context.on('request', (request) => requests.push(request.url()));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

// Opens the page and waits until the checker is loaded.
async function open(url) {
  const watched = await watchedPage(browser.context);
  await watched.page.goto(url);
  try {
    await watched.page.waitForSelector('html[data-ready="true"]', { timeout: 30000 });
  } catch (error) {
    const banner = await watched.page.textContent('#load-error').catch(() => '');
    throw new Error(`the page did not get ready: ${banner} ${watched.problems.join('; ')}`);
  }
  return watched;
}

// Waits for the lint after the last edit, then reads the rendered findings.
async function findings(page) {
  await page.waitForFunction(() => {
    const results = document.getElementById('results');
    return results.dataset.state === 'ok' || results.dataset.state === 'settings-error';
  });
  return page.$$eval('#results .finding', (items) => items.map((li) => ({ rule: li.dataset.rule, severity: li.dataset.severity, line: Number(li.dataset.line) })));
}

function expected(text, settings) {
  return api.lint(text, settings ?? null).findings.map((f) => ({ rule: f.rule, severity: f.severity, line: f.line }));
}

function sorted(list) {
  return [...list].sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

async function paste(page, text) {
  await page.fill('#input', text);
}

// Waits until the lint after the last edit ran and the fragment holds its text.
async function linkSaved(page) {
  await page.waitForFunction(() => {
    const state = document.getElementById('results').dataset.state;
    return (state === 'ok' || state === 'settings-error') && document.documentElement.dataset.link === 'saved';
  });
}

function assertClean(problems) {
  assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
}

describe('the page over http', () => {
  test('loads the wasm with fetch, and nothing from elsewhere', async () => {
    const { page, problems } = await open(server.url);
    assert.equal(await page.getAttribute('html', 'data-wasm'), 'fetch');
    assert.equal(await page.textContent('#version'), api.version());
    assert.match(await page.textContent('#summary'), /Paste manifests/);
    assertClean(problems);
    await page.close();
  });

  test('lists a broken manifest\'s findings with their rule, severity and line', async () => {
    const { page, problems } = await open(server.url);
    await paste(page, broken);
    const shown = await findings(page);
    assert.deepEqual(sorted(shown), sorted(expected(broken)), 'the page shows exactly the findings of the wasm build');
    const rules = new Set(shown.map((f) => f.rule));
    for (const rule of ['anti-affinity', 'replica-label', 'session-affinity', 'min-replicas', 'persistent-storage', 'invalid-resource', 'pod-disruption-budget']) {
      assert.ok(rules.has(rule), `${rule} is reported`);
    }
    // The lines are those of the offending fields in broken.yaml.
    const lines = broken.split('\n');
    const lineOf = (rule) => shown.find((f) => f.rule === rule).line;
    assert.match(lines[lineOf('replica-label') - 1], /replicaExternalLabelName: ""/);
    assert.match(lines[lineOf('invalid-resource') - 1], /^ {2}replica: 3/);
    // Grouped by resource, each finding with its message and fix.
    const groups = await page.$$eval('#results .group h3', (hs) => hs.map((h) => h.textContent));
    assert.ok(groups.some((g) => g.startsWith('Prometheus monitoring/k8s')), groups.join(' | '));
    assert.ok(groups.some((g) => g.startsWith('Alertmanager monitoring/main')), groups.join(' | '));
    assert.ok(groups.some((g) => g.startsWith('Service monitoring/prometheus-k8s')), groups.join(' | '));
    const first = await page.$eval('#results .finding', (li) => ({ message: li.querySelector('.message').textContent, fix: li.querySelector('.fix')?.textContent }));
    assert.ok(first.message.length > 20 && first.fix.startsWith('Fix: '), JSON.stringify(first));
    assert.match(await page.textContent('#summary'), /^\d+ errors? and \d+ warnings? in 4 resources\.$/);
    assertClean(problems);
    await page.close();
  });

  test('clicking a finding marks its line in the text', async () => {
    const { page, problems } = await open(server.url);
    await page.setViewportSize({ width: 1280, height: 700 });
    await paste(page, broken);
    await findings(page);
    const target = page.locator('#results .finding[data-rule="invalid-resource"]');
    const line = Number(await target.getAttribute('data-line'));
    await target.locator('.message').click();
    await page.waitForSelector(`#line-mark[data-line="${line}"]`);
    assert.equal(await page.getAttribute('#editor', 'data-marked-line'), String(line));
    assert.equal(await target.getAttribute('aria-current'), 'true');
    const state = await page.evaluate(() => {
      const input = document.getElementById('input');
      const mark = document.getElementById('line-mark').getBoundingClientRect();
      const box = input.getBoundingClientRect();
      return {
        selected: input.value.slice(input.selectionStart, input.selectionEnd),
        before: input.value.slice(0, input.selectionStart),
        focused: document.activeElement === input,
        markVisible: mark.top >= box.top && mark.bottom <= box.bottom && mark.height > 0,
        scrolled: input.scrollTop,
      };
    });
    assert.equal(state.before.split('\n').length, line, 'the selection starts on the finding\'s line');
    assert.equal(state.selected, broken.split('\n')[line - 1], 'the whole line is selected');
    assert.ok(state.focused, 'a click moves the focus to the editor');
    assert.ok(state.markVisible, 'the editor scrolled the marked line into view');
    assert.ok(state.scrolled > 0, 'line 48 needed scrolling in a 700px window');
    // The keyboard works too, and leaves the focus in the list.
    const other = page.locator('#results .finding[data-rule="replica-label"] button.goto');
    await other.focus();
    await page.keyboard.press('Enter');
    const otherLine = Number(await page.getAttribute('#results .finding[data-rule="replica-label"]', 'data-line'));
    await page.waitForSelector(`#line-mark[data-line="${otherLine}"]`);
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('goto')), true);
    // Editing clears the mark, whose line may have moved.
    await page.focus('#input');
    await page.keyboard.press('End');
    await page.keyboard.type(' ');
    await page.waitForSelector('#line-mark', { state: 'detached' });
    assertClean(problems);
    await page.close();
  });

  test('the fixed setup has no findings', async () => {
    const { page, problems } = await open(server.url);
    await paste(page, broken);
    assert.ok((await findings(page)).length > 0);
    await paste(page, good);
    assert.deepEqual(await findings(page), []);
    assert.match(await page.textContent('#summary'), /^No findings in 6 resources\.$/);
    assertClean(problems);
    await page.close();
  });

  test('checks a prometheus.yml, and reports a text that is not YAML', async () => {
    const { page, problems } = await open(server.url);
    const config = readFileSync(join(webDir, 'test', 'fixtures', 'prometheus.yml'), 'utf8');
    await paste(page, config);
    const shown = await findings(page);
    assert.deepEqual(sorted(shown), sorted(expected(config)));
    assert.ok(shown.some((f) => f.rule === 'alertmanagers-complete'));
    assert.match(await page.textContent('#results .group h3'), /^input\.yaml \(the whole text\)/);
    const unreadable = readFileSync(join(webDir, 'test', 'fixtures', 'broken-syntax.yaml'), 'utf8');
    await paste(page, unreadable);
    assert.deepEqual(await findings(page), [{ rule: 'invalid-resource', severity: 'error', line: 8 }]);
    assert.match(await page.textContent('#results .finding .message'), /cannot read a document of input\.yaml/);
    assertClean(problems);
    await page.close();
  });

  test('re-lints as the user types', async () => {
    const { page, problems } = await open(server.url);
    await page.focus('#input');
    await page.keyboard.type('apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata:\n  name: main\nspec:\n  replicas: 1\n', { delay: 5 });
    const shown = await findings(page);
    assert.ok(shown.some((f) => f.rule === 'min-replicas' && f.line === 6), JSON.stringify(shown));
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('3\n');
    await page.waitForFunction(() => !document.querySelector('#results .finding[data-rule="min-replicas"]'));
    assertClean(problems);
    await page.close();
  });

  test('the example buttons load a good and a broken setup', async () => {
    const { page, problems } = await open(server.url);
    await page.click('#example-broken');
    assert.equal(await page.inputValue('#input'), broken);
    assert.deepEqual(sorted(await findings(page)), sorted(expected(broken)));
    await page.click('#example-good');
    assert.equal(await page.inputValue('#input'), good);
    assert.deepEqual(await findings(page), []);
    assertClean(problems);
    await page.close();
  });

  test('the URL fragment keeps the text and settings, and a link restores them', async () => {
    const { page, problems } = await open(server.url);
    await paste(page, broken);
    await findings(page);
    await page.click('#settings-panel summary');
    await page.fill('#s-minReplicas', '3');
    await page.selectOption('#level-persistent-storage', 'off');
    await page.waitForFunction(() => document.getElementById('results').dataset.state === 'ok' && !document.querySelector('.finding[data-rule="persistent-storage"]'));
    await linkSaved(page);
    assert.match(await page.evaluate(() => location.hash), /^#z=[\w-]+$/);
    const url = page.url();
    const settings = { minReplicas: 3, rules: { 'persistent-storage': 'off' } };
    const before = await findings(page);
    assert.deepEqual(sorted(before), sorted(expected(broken, settings)));
    // The .promha.yaml the page shows for the CLI means the same settings.
    const yaml = await page.textContent('#settings-yaml');
    assert.equal(yaml, 'minReplicas: 3\nrules:\n  persistent-storage: "off"\n');
    assert.deepEqual(api.lint(broken, yaml), api.lint(broken, settings));
    assert.ok(!new URL(url).search, 'nothing goes in the query string');
    assert.ok(!requests.some((r) => r.includes('z=')), 'the fragment is never sent');
    await page.close();

    const restored = await open(url);
    assert.equal(await restored.page.inputValue('#input'), broken);
    assert.equal(await restored.page.inputValue('#s-minReplicas'), '3');
    assert.equal(await restored.page.inputValue('#level-persistent-storage'), 'off');
    assert.deepEqual(sorted(await findings(restored.page)), sorted(before));
    assert.equal(restored.page.url(), url, 'the restored page keeps the same link');
    // A hand-written link with plain text works too.
    await restored.page.goto(server.url + '#t=' + encodeURIComponent('kind: Prometheus\napiVersion: monitoring.coreos.com/v1\nmetadata: {name: x}\n'));
    await restored.page.waitForFunction(() => document.getElementById('input').value.startsWith('kind: Prometheus'));
    assert.ok((await findings(restored.page)).some((f) => f.rule === 'min-replicas'));
    // Clearing the text clears the fragment.
    await restored.page.click('#settings-reset');
    await restored.page.click('#clear');
    await restored.page.waitForFunction(() => location.hash === '');
    assertClean(problems);
    assertClean(restored.problems);
    await restored.page.close();
  });

  test('invalid settings are shown as such, not as findings', async () => {
    const { page, problems } = await open(server.url);
    await paste(page, broken);
    await findings(page);
    await page.click('#settings-panel summary');
    await page.fill('#s-minReplicas', '0');
    await page.waitForSelector('#results[data-state="settings-error"]');
    assert.match(await page.textContent('#settings-error'), /minReplicas.*must be a whole number from 1/);
    assert.equal(await page.$$eval('#results .finding', (l) => l.length), 0);
    await page.fill('#s-replicaLabels', 'prometheus-replica');
    await page.waitForFunction(() => /replicaLabels/.test(document.getElementById('settings-error').textContent));
    await page.fill('#s-minReplicas', '');
    await page.fill('#s-replicaLabels', 'cluster_replica\nreplica');
    await page.waitForSelector('#results[data-state="ok"]');
    assert.equal(await page.isHidden('#settings-error'), true);
    assert.match(await page.textContent('#settings-yaml'), /^replicaLabels:\n\s*- cluster_replica\n\s*- replica\n$/);
    assertClean(problems);
    await page.close();
  });

  test('dropping files loads them', async () => {
    const { page, problems } = await open(server.url);
    await page.evaluate(([a, b]) => {
      const data = new DataTransfer();
      data.items.add(new File([a], 'prometheus.yaml', { type: 'application/yaml' }));
      data.items.add(new File([b], 'alertmanager.yaml', { type: 'application/yaml' }));
      const editor = document.getElementById('editor');
      editor.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true }));
      editor.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      editor.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, [broken, good]);
    await page.waitForFunction(() => document.getElementById('input').value.includes('# file: alertmanager.yaml'));
    const text = await page.inputValue('#input');
    assert.ok(text.startsWith('# file: prometheus.yaml\n' + broken));
    assert.deepEqual(sorted(await findings(page)), sorted(expected(text)));
    // One file is loaded as it is, so its lines are the file's lines.
    await page.evaluate((a) => {
      const data = new DataTransfer();
      data.items.add(new File([a], 'broken.yaml'));
      document.getElementById('editor').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, broken);
    await page.waitForFunction((t) => document.getElementById('input').value === t, broken);
    assert.deepEqual(sorted(await findings(page)), sorted(expected(broken)));
    assert.equal(await page.evaluate(() => document.getElementById('editor').classList.contains('dragging')), false);
    assertClean(problems);
    await page.close();
  });

  test('the rule catalogue shows every rule and loads its examples', async () => {
    const { page, problems } = await open(server.url);
    const rules = api.rules();
    const shown = await page.$$eval('#rule-list .rule', (articles) => articles.map((a) => ({ id: a.id, doc: a.querySelector('.rule-doc').textContent })));
    assert.deepEqual(shown.map((r) => r.id), rules.map((r) => 'rule-' + r.id));
    assert.equal(shown[0].doc, rules[0].doc.replace(/`/g, ''));
    const levels = await page.$$eval('#s-rules select', (s) => s.map((x) => x.dataset.rule));
    assert.deepEqual(levels, rules.map((r) => r.id));
    const rule = rules.find((r) => r.id === 'alertmanager-peers');
    const article = page.locator('#rule-alertmanager-peers');
    await article.locator('summary', { hasText: 'Example it reports' }).click();
    await article.locator('button', { hasText: 'Check this example' }).click();
    assert.equal(await page.inputValue('#input'), rule.badExample);
    assert.ok((await findings(page)).some((f) => f.rule === 'alertmanager-peers'));
    // A finding's "About" link shows its rule without touching the fragment.
    await linkSaved(page);
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /^#z=/);
    await page.click('#results .finding[data-rule="alertmanager-peers"] a.about');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'rule-alertmanager-peers');
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => location.hash), hash);
    assertClean(problems);
    await page.close();
  });

  test('works in a narrow window', async () => {
    const { page, problems } = await open(server.url);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click('#example-broken');
    await findings(page);
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      editor: document.getElementById('editor').getBoundingClientRect(),
      results: document.querySelector('.results-pane').getBoundingClientRect(),
    }));
    assert.ok(layout.overflow <= 0, `no horizontal scrolling (${layout.overflow}px too wide)`);
    assert.ok(layout.results.top >= layout.editor.bottom, 'the findings stack under the editor');
    await page.locator('#results .finding[data-rule="min-replicas"] button.goto').click();
    await page.waitForSelector('#line-mark');
    assert.ok(await page.evaluate(() => {
      const r = document.getElementById('editor').getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    }), 'clicking a finding brings the editor into view');
    assertClean(problems);
    await page.close();
  });

  test('every control has an accessible name', async () => {
    const { page, problems } = await open(server.url);
    await page.click('#example-broken');
    await findings(page);
    const unnamed = await page.evaluate(() => {
      const missing = [];
      for (const el of document.querySelectorAll('button, select, textarea, input:not([type="file"])')) {
        const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.labels && el.labels.length > 0) || el.textContent.trim();
        if (!labelled) missing.push(el.outerHTML.slice(0, 80));
      }
      return missing;
    });
    assert.deepEqual(unnamed, []);
    assert.equal(await page.getAttribute('#summary', 'aria-live'), 'polite');
    assertClean(problems);
    await page.close();
  });

  test('line numbers are drawn for the lines in view, beside their lines', async () => {
    const { page, problems } = await open(server.url);
    const text = Array.from({ length: 100 }, () => good).join('---\n');
    const lines = text.split('\n').length;
    assert.ok(lines > 5000, String(lines));
    // As typing ends (page.fill types 300 kB slowly).
    await page.evaluate((t) => {
      const input = document.getElementById('input');
      input.value = t;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
    await findings(page);
    // Where number n is drawn, and where line n of the textarea is.
    const place = (n) => page.evaluate((line) => {
      const input = document.getElementById('input');
      const gutter = document.getElementById('gutter-lines');
      const numbers = gutter.textContent.split('\n').map(Number);
      const lh = parseFloat(getComputedStyle(input).lineHeight);
      const at = numbers.indexOf(line);
      return {
        drawn: numbers.length,
        number: at < 0 ? null : gutter.getBoundingClientRect().top + parseFloat(getComputedStyle(gutter).paddingTop) + at * lh,
        line: input.getBoundingClientRect().top + parseFloat(getComputedStyle(input).paddingTop) + (line - 1) * lh - input.scrollTop,
      };
    }, n);
    const top = await place(1);
    assert.ok(top.drawn < 200, `${top.drawn} numbers drawn for ${lines} lines`);
    assert.ok(Math.abs(top.number - top.line) < 1, JSON.stringify(top));
    await page.evaluate(() => { const input = document.getElementById('input'); input.scrollTop = 8 + 3999 * parseFloat(getComputedStyle(input).lineHeight); });
    await page.waitForFunction(() => document.getElementById('gutter-lines').textContent.split('\n').includes('4000'));
    const deep = await place(4000);
    assert.ok(deep.drawn < 200 && !(await page.textContent('#gutter-lines')).split('\n').includes('1'), 'the numbers in view, not all');
    assert.ok(Math.abs(deep.number - deep.line) < 1, JSON.stringify(deep));
    assertClean(problems);
    await page.close();
  });

  test('fails loudly when the wasm cannot be loaded', async () => {
    const watched = await watchedPage(browser.context);
    await watched.page.route(/promha_web(_bg\.wasm|_wasm\.js)$/, (route) => route.fulfill({ status: 404, body: 'gone' }));
    await watched.page.goto(server.url);
    await watched.page.waitForSelector('#load-error:not([hidden])');
    assert.match(await watched.page.textContent('#load-error'), /could not be loaded/);
    assert.equal(await watched.page.getAttribute('#results', 'data-state'), 'failed');
    assert.ok(watched.problems.some((p) => p.includes('cannot load the checker')), watched.problems.join('\n'));
    await watched.page.close();
  });

});

// What the form must show for a property of the settings' JSON Schema: the
// test's own reading of the schema, so that a form that drifts from it fails.
function expectedField(key, property) {
  const types = [].concat(property.type).filter((t) => t !== 'null');
  const hasDefault = 'default' in property;
  if (property.enum) return { key, kind: 'choice', options: [...(hasDefault ? [] : ['']), ...property.enum], value: hasDefault ? property.default : '' };
  if (types.includes('integer')) return { key, kind: 'number', min: String(property.minimum), max: String(property.maximum), placeholder: hasDefault ? String(property.default) : 'not set', value: '' };
  if (types.includes('boolean')) return { key, kind: 'boolean', checked: property.default === true };
  if (types.includes('array') && [].concat(property.items.type).includes('string')) return { key, kind: 'list', placeholder: property.default?.length ? property.default.join('\n') : 'none', value: '' };
  if (types.includes('object') && property.properties) return { key, kind: 'levels', levels: Object.entries(property.properties).map(([id, p]) => ({ id, options: ['', ...p.enum], value: '' })) };
  if (types.includes('string')) return { key, kind: 'text', placeholder: hasDefault ? property.default : 'not set', value: '' };
  throw new Error(`the test does not know how the form shows ${key}: ${JSON.stringify(property)}`);
}

// What the page's form shows, field by field.
function formFields() {
  return [...document.querySelectorAll('#settings-fields [data-kind]')].map((node) => {
    const key = node.querySelector('code').textContent;
    const kind = node.dataset.kind;
    const hint = node.querySelector('.hint').textContent;
    const control = node.querySelector('[data-key]');
    const options = (select) => [...select.options].map((o) => o.value);
    if (kind === 'choice') return { key, kind, hint, options: options(control), value: control.value };
    if (kind === 'number') return { key, kind, hint, min: control.min, max: control.max, placeholder: control.placeholder, value: control.value, type: control.type };
    if (kind === 'boolean') return { key, kind, hint, checked: control.checked, type: control.type };
    if (kind === 'list' || kind === 'text') return { key, kind, hint, placeholder: control.placeholder, value: control.value, tag: control.tagName };
    if (kind === 'levels') return { key, kind, hint, levels: [...node.querySelectorAll('select')].map((s) => ({ id: s.dataset.rule, options: options(s), value: s.value })) };
    return { key, kind, hint };
  });
}

// A value other than the default for a property, chosen from the schema,
// and how to set it in the form.
function otherValue(key, property, reported) {
  const field = expectedField(key, property);
  switch (field.kind) {
    case 'choice': {
      const value = property.enum.find((v) => v !== property.default);
      return { value, set: (page) => page.selectOption(`#s-${key}`, value) };
    }
    case 'number': {
      const value = property.minimum !== property.default ? property.minimum : property.maximum;
      return { value, set: (page) => page.fill(`#s-${key}`, String(value)) };
    }
    case 'boolean':
      return { value: !property.default, set: (page) => page.setChecked(`#s-${key}`, !property.default) };
    case 'list':
      return { value: ['monitoring'], set: (page) => page.fill(`#s-${key}`, 'monitoring') };
    case 'text':
      return { value: 'topology.kubernetes.io/zone', set: (page) => page.fill(`#s-${key}`, 'topology.kubernetes.io/zone') };
    case 'levels': {
      // A rule the text reports, turned off.
      const rule = Object.keys(property.properties).find((id) => reported.includes(id));
      return { value: { [rule]: 'off' }, set: (page) => page.selectOption(`#level-${rule}`, 'off') };
    }
    default:
      throw new Error(field.kind);
  }
}

// Waits for the check after a change in the form (a new report or error).
async function nextCheck(page, revision) {
  await page.waitForFunction((r) => {
    const results = document.getElementById('results');
    return Number(results.dataset.revision) > r && (results.dataset.state === 'ok' || results.dataset.state === 'settings-error');
  }, revision);
}

const revisionOf = async (page) => Number(await page.getAttribute('#results', 'data-revision'));

describe('the settings form', () => {
  test('has a field for every property of the settings schema, as the schema says', async () => {
    const schema = api.settingsSchema();
    const { page, problems } = await open(server.url);
    const shown = await page.evaluate(formFields);
    // One field per property (the rule levels, a fieldset, after the others).
    assert.deepEqual(shown.map((f) => f.key).sort(), Object.keys(schema.properties).sort());
    assert.deepEqual(shown.filter((f) => f.kind !== 'levels').map((f) => f.key), Object.keys(schema.properties).filter((k) => !schema.properties[k].properties), 'in the schema\'s order');
    for (const field of shown) {
      const property = schema.properties[field.key];
      const { hint, type, tag, ...rest } = field;
      assert.deepEqual(rest, expectedField(field.key, property), field.key);
      assert.ok(hint.includes(property.description), `${field.key} shows its description`);
      if (field.kind === 'number') assert.equal(type, 'number');
      if (field.kind === 'boolean') assert.equal(type, 'checkbox');
      if (field.kind === 'list') assert.equal(tag, 'TEXTAREA', 'a list is one item a line');
      if (field.kind === 'levels') assert.deepEqual(field.levels.map((l) => l.id), api.rules().map((r) => r.id), 'a level for every rule');
    }
    // The schema's defaults are the checker's.
    const defaults = api.defaultSettings();
    for (const [key, property] of Object.entries(schema.properties)) {
      if ('default' in property) assert.deepEqual(property.default, defaults[key], key);
    }
    assert.deepEqual(Object.keys(defaults), Object.keys(schema.properties));
    // Nothing changed: nothing is written.
    assert.equal(await page.isHidden('#settings-yaml-box'), true);
    assertClean(problems);
    await page.close();
  });

  test('every field changes what is checked, and the .promha.yaml says the same', async () => {
    const schema = api.settingsSchema();
    const defaults = api.lint(broken, null);
    const reported = defaults.findings.map((f) => f.rule);
    const { page, problems } = await open(server.url);
    await paste(page, broken);
    await findings(page);
    await page.click('#settings-panel summary');
    let changed = 0;
    for (const [key, property] of Object.entries(schema.properties)) {
      const { value, set } = otherValue(key, property, reported);
      const settings = { [key]: value };
      const want = api.lint(broken, settings);
      let revision = await revisionOf(page);
      await set(page);
      await nextCheck(page, revision);
      if (typeof want.error === 'string') {
        assert.equal(await page.getAttribute('#results', 'data-state'), 'settings-error', key);
      } else {
        assert.deepEqual(sorted(await findings(page)), sorted(expected(broken, settings)), `${key}: ${JSON.stringify(value)}`);
        if (JSON.stringify(want) !== JSON.stringify(defaults)) changed++;
      }
      // The form writes only the changed setting, and the CLI would read it alike.
      const yaml = await page.textContent('#settings-yaml');
      assert.match(yaml, new RegExp(`^${key}:`), yaml);
      assert.deepEqual(api.lint(broken, yaml), want, `${key} as YAML:\n${yaml}`);
      revision = await revisionOf(page);
      await page.click('#settings-reset');
      await nextCheck(page, revision);
      assert.deepEqual(sorted(await findings(page)), sorted(expected(broken)), `${key} reset`);
    }
    assert.ok(changed >= Object.keys(schema.properties).length / 2, `${changed} settings changed the findings of the broken example`);
    assertClean(problems);
    await page.close();
  });

  test('a link\'s settings the form cannot show are kept, and reported', async () => {
    const { page, problems } = await open(server.url + '#' + await encodeFragment(broken, { antiAffinity: 'sometimes', minReplica: 2, minReplicas: 3 }));
    await page.waitForSelector('#results[data-state="settings-error"]');
    const error = await page.textContent('#settings-error');
    assert.match(error, /antiAffinity.*sometimes/);
    assert.match(error, /minReplica\b.*did you mean/);
    assert.equal(await page.inputValue('#s-minReplicas'), '3');
    // Editing a field makes the form the truth for it; the unknown key stays.
    const revision = await revisionOf(page);
    await page.selectOption('#s-antiAffinity', 'required');
    await nextCheck(page, revision);
    assert.doesNotMatch(await page.textContent('#settings-error'), /sometimes/);
    assert.match(await page.textContent('#settings-error'), /minReplica\b/);
    assertClean(problems);
    await page.close();
  });
});

// A text of 1.5 MB (a large one, over a million characters): copies of the broken setup under distinct names, so
// that the check takes seconds (the core's work grows faster than the text).
const large = Array.from({ length: 1000 }, (_, i) => broken.replace(/name: (k8s|main)$/gm, `name: $1-${i}`)).join('---\n');
let largeReport;
function expectedLarge() {
  largeReport ??= api.lint(large, null);
  return largeReport;
}
const largeSize = `${(Buffer.byteLength(large) / 1e6).toFixed(1)} MB`;
const PROGRESS = /^Checking (\d+(?:\.\d)? [kM]B)… (\d+(?:\.\d)?) s$/;

// Pastes as the browser does: a paste event whose clipboard holds the text
// (its default action, inserting into the textarea, is what the page avoids).
async function pasteEvent(page, text) {
  await page.evaluate((t) => {
    const input = document.getElementById('input');
    input.focus();
    input.select();
    const data = new DataTransfer();
    data.setData('text/plain', t);
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

const summaryText = () => document.getElementById('summary').textContent;
const resultsState = () => document.getElementById('results').dataset.state;

// Pastes the large text, and checks that the page shows the check's progress
// and stays responsive while the worker checks it.
async function pasteLargeWhileResponsive(page) {
  await pasteEvent(page, large);
  await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('summary').textContent), PROGRESS.source);
  const first = (await page.evaluate(summaryText)).match(PROGRESS);
  assert.equal(first[1], largeSize, 'the progress names the size of the text');
  // The page answers while the check runs: a click opens the settings, and
  // the check is still running afterwards. On the page's own thread, the
  // click would wait for the check to end.
  assert.equal(await page.evaluate(() => document.getElementById('settings-panel').open), false);
  await page.click('#settings-panel summary');
  assert.deepEqual(await page.evaluate(() => [document.getElementById('settings-panel').open, document.getElementById('results').dataset.state]), [true, 'checking']);
  // The elapsed time counts up.
  await page.waitForFunction(([re, seconds]) => {
    const m = document.getElementById('summary').textContent.match(new RegExp(re));
    return m && Number(m[2]) > seconds;
  }, [PROGRESS.source, Number(first[2])]);
  await page.click('#settings-panel summary');
}

async function assertLargeReport(page) {
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'ok', null, { timeout: 120000 });
  const report = expectedLarge();
  const { errors, warnings, documents } = report.summary;
  assert.equal(await page.evaluate(summaryText), `${errors} errors and ${warnings} warnings in ${documents} resources.`);
  assert.ok(report.findings.length > 1000, `${report.findings.length} findings`);
  const shown = await findings(page);
  assert.deepEqual(shown, report.findings.slice(0, 1000).map((f) => ({ rule: f.rule, severity: f.severity, line: f.line })), 'the first 1000 findings, in order');
  assert.equal(await page.textContent('#results .more'), `The first 1000 of ${report.findings.length} findings are listed; the CLI (promha lint) lists them all.`);
  return shown;
}

describe('a large text', () => {
  test('is checked in a worker: the page stays responsive and shows progress', async () => {
    const { page, problems } = await open(server.url);
    await pasteLargeWhileResponsive(page);
    const shown = await assertLargeReport(page);
    // The textarea holds a window of the text, read-only; the editor
    // reports it whole.
    const view = await page.evaluate(() => {
      const input = document.getElementById('input');
      const editor = document.getElementById('editor');
      return { readOnly: input.readOnly, length: input.value.length, large: editor.dataset.large, first: editor.dataset.firstLine, notice: !document.getElementById('large-text').hidden };
    });
    assert.deepEqual(view, { readOnly: true, length: view.length, large: 'true', first: '1', notice: true });
    assert.ok(view.length < large.length / 10, `the textarea holds ${view.length} characters`);
    assert.equal(await page.inputValue('#input'), large.split('\n').slice(0, 2000).join('\n'));
    // A finding far down the text moves the window to its line and marks it.
    const far = shown.filter((f) => f.line > 5000).at(-1);
    await page.locator(`#results .finding[data-line="${far.line}"] .message`).first().click();
    await page.waitForSelector(`#line-mark[data-line="${far.line}"]`);
    const marked = await page.evaluate(() => {
      const input = document.getElementById('input');
      return { first: Number(document.getElementById('editor').dataset.firstLine), selected: input.value.slice(input.selectionStart, input.selectionEnd) };
    });
    assert.ok(marked.first > 1 && marked.first <= far.line, JSON.stringify(marked));
    assert.equal(marked.selected, large.split('\n')[far.line - 1], 'the finding\'s line is selected');
    // Scrolling to the end of the window moves the window on.
    const before = Number(await page.getAttribute('#editor', 'data-first-line'));
    await page.evaluate(() => { const input = document.getElementById('input'); input.scrollTop = input.scrollHeight; });
    await page.waitForFunction((b) => Number(document.getElementById('editor').dataset.firstLine) > b, before);
    const moved = await page.evaluate(() => ({ first: Number(document.getElementById('editor').dataset.firstLine), text: document.getElementById('input').value, numbers: document.getElementById('gutter-lines').textContent.split('\n').map(Number) }));
    assert.equal(moved.text.split('\n')[0], large.split('\n')[moved.first - 1], 'the window shows the text from its first line');
    assert.ok(moved.numbers.every((n) => n >= moved.first && n < moved.first + 2000), 'the numbers are the text\'s');
    // Pasting a small text into it replaces it, and the page is an editor again.
    await pasteEvent(page, good);
    assert.deepEqual(await findings(page), []);
    assert.equal(await page.inputValue('#input'), good);
    assert.equal(await page.evaluate(() => document.getElementById('input').readOnly), false);
    assertClean(problems);
    await page.close();
  });

  test('a newer text supersedes a running check, whose worker is stopped', async () => {
    const { page, problems } = await open(server.url);
    const workers = [];
    const watch = (worker) => {
      const entry = { worker, closed: false };
      worker.on('close', () => { entry.closed = true; });
      workers.push(entry);
    };
    page.workers().forEach(watch);
    page.on('worker', watch);
    await pasteEvent(page, large);
    await page.waitForSelector('#results[data-check="running"]', { state: 'attached' });
    const running = workers.filter((w) => !w.closed);
    assert.ok(running.length >= 1, 'a worker runs the check');
    await page.click('#example-good');
    assert.deepEqual(await findings(page), []);
    assert.equal(await page.evaluate(summaryText), 'No findings in 6 resources.');
    // Playwright hears of a worker's end a moment after it ends; an idle
    // worker, which a check left running would become, never ends.
    for (let i = 0; i < 100 && !running.every((w) => w.closed); i++) await page.waitForTimeout(100);
    assert.ok(running.every((w) => w.closed), 'the worker checking the large text was terminated');
    // The superseded check never reports.
    const revision = await page.getAttribute('#results', 'data-revision');
    await page.waitForTimeout(1000);
    assert.equal(await page.getAttribute('#results', 'data-revision'), revision);
    assert.equal(await page.evaluate(summaryText), 'No findings in 6 resources.');
    assertClean(problems);
    await page.close();
  });
});

describe('fixes', () => {
  // The findings with an "Apply fix" button, by rule.
  const withButton = (page) => page.$$eval('#results .finding', (items) => items.filter((li) => li.querySelector('button.apply-fix')).map((li) => li.dataset.rule));

  test('"Apply fix" applies one finding\'s fix, shows the diff, can be undone, and the link carries the fixed text', async () => {
    const { page, problems } = await open(server.url);
    await page.click('#example-broken');
    const before = await findings(page);
    const report = api.lint(broken, null, { edits: true });
    // The page offers a fix for exactly the findings the core has edits for.
    assert.deepEqual((await withButton(page)).sort(), report.findings.filter((f) => f.edits.length > 0).map((f) => f.rule).sort());
    assert.equal(await page.isVisible('#fix-bar'), true);
    assert.equal(await page.isVisible('#fix-panel'), false);
    const index = report.findings.findIndex((f) => f.rule === 'replica-label');
    const want = api.fixFinding(broken, null, index);
    assert.ok(want.after !== broken && want.diff !== '', 'the wasm build fixes it');

    await page.click('#results .finding[data-rule="replica-label"] button.apply-fix');
    await page.waitForSelector('html[data-fix="done"]');
    const fixed = want.after;
    assert.equal(await page.inputValue('#input'), fixed, 'the text is the core\'s fixed text');
    // The diff is shown, line by line, removing the field.
    assert.equal(await page.textContent('#fix-diff'), want.diff);
    const removed = await page.$$eval('#fix-diff .diff-del', (lines) => lines.map((l) => l.textContent));
    assert.deepEqual(removed, ['-  replicaExternalLabelName: ""\n']);
    assert.match(await page.textContent('#fix-heading'), /^Applied the fix: 1 finding fixed\.$/);
    // The finding is gone, every other one is still there.
    const after = await findings(page);
    assert.ok(!after.some((f) => f.rule === 'replica-label'), JSON.stringify(after));
    assert.deepEqual(sorted(after), sorted(expected(fixed)));
    assert.equal(after.length, before.length - 1);
    // The link holds the fixed text, and restores it.
    await linkSaved(page);
    const url = page.url();
    const restored = await open(url);
    assert.equal(await restored.page.inputValue('#input'), fixed);
    assert.deepEqual(sorted(await findings(restored.page)), sorted(after));
    assertClean(restored.problems);
    await restored.page.close();

    // Undo goes back to the text before, and the link follows.
    await page.click('#fix-undo');
    assert.equal(await page.inputValue('#input'), broken);
    assert.equal(await page.isVisible('#fix-panel'), false);
    assert.deepEqual(sorted(await findings(page)), sorted(before));
    await page.waitForFunction((u) => location.href !== u, url);
    await linkSaved(page);
    const back = await open(page.url());
    assert.equal(await back.page.inputValue('#input'), broken);
    await back.page.close();
    assertClean(back.problems);
    assertClean(problems);
    await page.close();
  });

  test('"Apply all fixes" leaves only the findings promha cannot fix for certain, each with the reason', async () => {
    const { page, problems } = await open(server.url);
    await page.click('#example-broken');
    await findings(page);
    const want = api.fixAll(broken, null);
    await page.click('#fix-all');
    await page.waitForSelector('html[data-fix="done"]');
    assert.equal(await page.inputValue('#input'), want.after);
    assert.equal(await page.textContent('#fix-diff'), want.diff);
    assert.ok((await page.$$('#fix-diff .diff-add')).length > 0, 'the diff adds lines');
    assert.match(await page.textContent('#fix-heading'), new RegExp(`^Applied all fixes: ${want.fixed.length} findings fixed`));
    const shown = await findings(page);
    assert.deepEqual(sorted(shown), sorted(expected(want.after)));
    assert.ok(shown.length > 0, 'some findings need the user\'s choice');
    // What is left has no certain fix, or is listed with why it was not made.
    const leftShown = await page.$$eval('#fix-left li', (items) => items.map((li) => li.dataset.rule));
    assert.deepEqual(leftShown.sort(), want.left.map((l) => l.finding.rule).sort());
    const remaining = api.lint(want.after, null, { edits: true }).findings;
    for (const finding of remaining) {
      assert.ok(finding.edits.length === 0 || want.left.some((l) => l.finding.rule === finding.rule), `${finding.rule} was left unfixed without a reason`);
    }
    for (const gone of want.fixed) assert.ok(!shown.some((f) => f.rule === gone.rule), `${gone.rule} is fixed`);
    // Only what has no certain fix is left, so no finding offers one.
    assert.deepEqual(await withButton(page), remaining.filter((f) => f.edits.length > 0).map((f) => f.rule));
    assert.equal(await page.isVisible('#fix-bar'), remaining.some((f) => f.edits.length > 0));
    // Undo all of it at once.
    await page.click('#fix-undo');
    assert.equal(await page.inputValue('#input'), broken);
    assert.deepEqual(sorted(await findings(page)), sorted(expected(broken)));
    // Applied again, then the text edited: the fixes are forgotten, so no
    // undo to a text the edit would lose.
    await page.click('#fix-all');
    await page.waitForSelector('html[data-fix="done"]');
    assert.equal(await page.inputValue('#input'), want.after);
    await page.focus('#input');
    await page.keyboard.press('End');
    await page.keyboard.type(' ');
    await page.waitForSelector('#fix-panel', { state: 'hidden' });
    assertClean(problems);
    await page.close();
  });
});

describe('the page from file://', () => {
  test('checks a large text in a worker, with progress', async () => {
    const { page, problems } = await open(fileUrl);
    assert.equal(await page.getAttribute('html', 'data-wasm'), 'embedded');
    await pasteLargeWhileResponsive(page);
    await assertLargeReport(page);
    assertClean(problems);
    await page.close();
  });

  test('loads the embedded wasm and checks, with a working fragment', async () => {
    const { page, problems } = await open(fileUrl);
    assert.equal(await page.getAttribute('html', 'data-wasm'), 'embedded');
    await paste(page, broken);
    assert.deepEqual(sorted(await findings(page)), sorted(expected(broken)));
    await page.locator('#results .finding[data-rule="invalid-resource"] .message').click();
    await page.waitForSelector('#line-mark');
    await linkSaved(page);
    const url = page.url();
    assert.ok(url.startsWith(fileUrl + '#z='));
    await page.close();
    const restored = await open(url);
    assert.equal(await restored.page.inputValue('#input'), broken);
    assert.deepEqual(sorted(await findings(restored.page)), sorted(expected(broken)));
    assertClean(problems);
    assertClean(restored.problems);
    await restored.page.close();
  });
});

test('every request stayed in the page\'s folder', () => {
  const outside = requests.filter((r) => !r.startsWith(server.url) && !r.startsWith(pathToFileURL(distDir).href + '/') && !r.startsWith('data:') && !r.startsWith('blob:'));
  assert.deepEqual(outside, []);
  assert.ok(requests.some((r) => r.endsWith('/promha_web_bg.wasm')));
  assert.ok(requests.some((r) => r.startsWith('file:') && r.endsWith('/promha_web_wasm.js')));
});
