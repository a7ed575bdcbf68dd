// The page's wasm API (web/dist, loaded into node): its answers for odd
// arguments, and that no input makes it throw or trap.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { before, test } from 'node:test';

import { distDir, loadWasmApi, webDir } from './helpers.mjs';

let api;
before(() => {
  api = loadWasmApi();
});

const broken = readFileSync(join(webDir, 'src', 'examples', 'broken.yaml'), 'utf8');
const good = readFileSync(join(webDir, 'src', 'examples', 'good.yaml'), 'utf8');

function isReport(value) {
  return value && Array.isArray(value.findings) && value.summary && typeof value.summary.errors === 'number';
}

test('the file:// copy embedded in promha_web_wasm.js is the same wasm', () => {
  const script = readFileSync(join(distDir, 'promha_web_wasm.js'), 'utf8');
  const base64 = script.match(/PROMHA_WASM_GZ_BASE64 = "([A-Za-z0-9+/=]+)"/)[1];
  assert.deepEqual(gunzipSync(Buffer.from(base64, 'base64')), readFileSync(join(distDir, 'promha_web_bg.wasm')));
});

test('lint returns the CLI report shape', () => {
  const report = api.lint(broken, null);
  assert.ok(report.findings.length > 0 && report.summary.errors > 0, 'the broken example has findings');
  assert.deepEqual(Object.keys(report), ['findings', 'summary']);
  assert.deepEqual(Object.keys(report.summary).sort(), ['documents', 'errors', 'files', 'warnings']);
  for (const f of report.findings) {
    assert.deepEqual(Object.keys(f).sort(), ['column', 'file', 'fix', 'line', 'message', 'resource', 'rule', 'severity']);
    assert.deepEqual(Object.keys(f.resource).sort(), ['apiVersion', 'kind', 'name', 'namespace']);
    assert.equal(f.file, 'input.yaml');
    assert.ok(f.line >= 1);
  }
  assert.deepEqual(api.lint(good, undefined).findings, []);
});

test('settings may be an object, JSON text, YAML text, null or undefined', () => {
  const object = api.lint(broken, { minReplicas: 3, rules: { 'persistent-storage': 'off' } });
  assert.deepEqual(api.lint(broken, JSON.stringify({ minReplicas: 3, rules: { 'persistent-storage': 'off' } })), object);
  assert.deepEqual(api.lint(broken, 'minReplicas: 3\nrules: {persistent-storage: "off"}\n'), object);
  assert.ok(api.lint(broken, null).findings.some((f) => f.rule === 'persistent-storage'), 'found without the setting');
  assert.ok(!object.findings.some((f) => f.rule === 'persistent-storage'));
  assert.deepEqual(api.lint(broken, null), api.lint(broken, undefined));
  assert.deepEqual(api.lint(broken, {}), api.lint(broken));
});

test('invalid settings give an error value naming each problem', () => {
  const result = api.lint(broken, { minReplicas: 0, antiAffinity: 'sometimes', minReplica: 2 });
  assert.deepEqual(Object.keys(result), ['error', 'problems']);
  assert.match(result.error, /^invalid settings: /);
  assert.equal(result.problems.length, 3);
  assert.ok(result.problems.some((p) => p.includes('did you mean `minReplicas`')), result.problems.join('\n'));
});

test('odd arguments give error values, never exceptions', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  const cases = [
    [undefined, undefined],
    [null, null],
    [42, null],
    [{ text: 'x' }, null],
    [Symbol('s'), null],
    ['kind: x', 5],
    ['kind: x', true],
    ['kind: x', [1, 2]],
    ['kind: x', cyclic],
    ['kind: x', { big: 10n }],
    ['kind: x', { toJSON() { throw new Error('boom'); } }],
    ['kind: x', () => 1],
    ['kind: x', Symbol('s')],
    ['kind: x', { minReplicas: NaN }],
    ['kind: x', { minReplicas: 2.5 }],
    ['kind: x', { minReplicas: 1e300 }],
    ['kind: x', JSON.parse('{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}')],
  ];
  for (const [text, settings] of cases) {
    let result;
    assert.doesNotThrow(() => { result = api.lint(text, settings); }, `lint(${typeof text}, ${typeof settings})`);
    assert.ok(isReport(result) || typeof result.error === 'string', JSON.stringify(result));
  }
  assert.match(api.lint(42, null).error, /must be a string, got number/);
  assert.match(api.lint('kind: x', 5).error, /settings must be a map/);
  assert.match(api.lint('kind: x', cyclic).error, /cannot be converted to JSON/);
});

test('random and mangled texts never make it throw', () => {
  // A small deterministic generator: the same texts on every run.
  let seed = 12345;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pieces = [':', ' ', '  ', '\n', '- ', '{', '}', '[', ']', ',', '"', "'", '&a ', '*a', '!!str ', '|', '>', '#', '---\n', '? ', 'kind', 'spec', 'replicas', '2', '-1', 'null', '~', '\t', '\\', '%YAML 1.2\n', 'é', '🚨', '\u0000', '\uFEFF', '\r'];
  const corpus = [broken, good];
  for (let i = 0; i < 600; i++) {
    let text;
    if (i % 2 === 0) {
      text = Array.from({ length: 5 + random(60) }, () => pieces[random(pieces.length)]).join('');
    } else {
      const base = corpus[random(corpus.length)];
      const at = random(base.length);
      const cut = random(40);
      text = base.slice(0, at) + pieces[random(pieces.length)] + base.slice(at + cut);
    }
    let result;
    assert.doesNotThrow(() => { result = api.lint(text, null); }, JSON.stringify(text));
    assert.ok(isReport(result), JSON.stringify(text));
  }
  // And it still works afterwards.
  assert.equal(api.lint(good, null).findings.length, 0);
});

test('a large text is checked', () => {
  const text = Array.from({ length: 300 }, (_, i) => good.replace(/name: (k8s|main|prometheus-k8s|alertmanager-main)$/gm, `name: $1-${i}`)).join('---\n');
  const started = Date.now();
  const report = api.lint(text, null);
  assert.ok(isReport(report));
  assert.ok(report.summary.documents >= 300 * 6, String(report.summary.documents));
  assert.ok(Date.now() - started < 20000, 'lints 1800 documents in well under 20 s');
});

test('settingsSchema is the JSON Schema of the settings the checker reads', () => {
  const schema = api.settingsSchema();
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(Object.keys(schema.properties), Object.keys(api.defaultSettings()), 'a property for every setting');
  for (const [key, property] of Object.entries(schema.properties)) {
    assert.equal(typeof property.description, 'string', key);
    assert.ok(property.type, key);
  }
  assert.deepEqual(Object.keys(schema.properties.rules.properties), api.rules().map((r) => r.id));
  for (const level of Object.values(schema.properties.rules.properties)) assert.deepEqual(level.enum, ['off', 'warning', 'error']);
  // Its bounds are the checker's.
  const { minimum, maximum } = schema.properties.minReplicas;
  assert.ok(!api.lint(broken, { minReplicas: minimum }).error && !api.lint(broken, { minReplicas: maximum }).error);
  assert.ok(api.lint(broken, { minReplicas: minimum - 1 }).error && api.lint(broken, { minReplicas: maximum + 1 }).error);
});

test('rules, defaultSettings and version', () => {
  const rules = api.rules();
  assert.ok(rules.length >= 10);
  for (const rule of rules) {
    assert.deepEqual(Object.keys(rule).sort(), ['badExample', 'doc', 'goodExample', 'id', 'settings', 'severity', 'summary']);
    for (const key of rule.settings) assert.ok(key in api.defaultSettings(), `${rule.id} reads the setting ${key}`);
    assert.ok(['error', 'warning'].includes(rule.severity));
  }
  const defaults = api.defaultSettings();
  assert.equal(defaults.minReplicas, 2);
  assert.equal(defaults.antiAffinity, 'preferred');
  assert.ok(api.lint(broken, null).findings.length > 0);
  assert.deepEqual(api.lint(broken, defaults), api.lint(broken, null));
  assert.match(api.version(), /^\d+\.\d+\.\d+/);
});

test('lint with {edits: true} adds each finding\'s edits, and nothing else', () => {
  const plain = api.lint(broken, null);
  const withEdits = api.lint(broken, null, { edits: true });
  assert.equal(withEdits.findings.length, plain.findings.length);
  withEdits.findings.forEach((finding, i) => {
    const { edits, ...rest } = finding;
    assert.deepEqual(rest, plain.findings[i]);
    assert.ok(Array.isArray(edits));
    for (const edit of edits) assert.ok(['set', 'remove', 'append', 'addDocument'].includes(edit.op), JSON.stringify(edit));
  });
  assert.ok(withEdits.findings.filter((f) => f.edits.length > 0).length >= 2, 'the broken example has fixes');
  assert.deepEqual(api.lint(broken, null, { edits: false }), plain);
  assert.deepEqual(api.lint(broken, null, null), plain);
  assert.match(api.lint(broken, null, { edit: true }).error, /unknown option `edit`/);
  assert.match(api.lint(broken, null, { edits: 'yes' }).error, /`edits` must be true or false/);
  assert.match(api.lint(broken, null, 3).error, /must be an object/);
});

test('fixAll fixes what it is certain of; fixFinding one finding, by index or as lint gave it', () => {
  const all = api.fixAll(broken, null);
  assert.deepEqual(Object.keys(all).sort(), ['after', 'diff', 'fixed', 'left', 'report']);
  assert.notEqual(all.after, broken);
  assert.match(all.diff, /^--- a\/input\.yaml\n\+\+\+ b\/input\.yaml\n@@ /);
  assert.deepEqual(all.report, api.lint(all.after, null, { edits: true }));
  const remaining = all.report.findings.map((f) => f.rule + ':' + f.message);
  for (const f of all.fixed) assert.ok(!remaining.includes(f.rule + ':' + f.message), `${f.rule} is fixed`);
  // What is left with a fix is listed with the reason; the rest has none.
  for (const f of all.report.findings) {
    if (f.edits.length > 0) assert.ok(all.left.some((l) => l.finding.rule === f.rule && l.reason), f.rule);
  }
  assert.equal(api.fixAll(all.after, null).diff, '', 'a second fixAll changes nothing');

  const report = api.lint(broken, null, { edits: true });
  const index = report.findings.findIndex((f) => f.rule === 'replica-label');
  assert.ok(index >= 0 && report.findings[index].edits.length > 0);
  const one = api.fixFinding(broken, null, index);
  assert.deepEqual(api.fixFinding(broken, null, report.findings[index]), one);
  assert.deepEqual(api.fixFinding(broken, null, api.lint(broken, null).findings[index]), one);
  assert.ok(!/replicaExternalLabelName/.test(one.after));
  assert.equal(one.after, broken.replace('  replicaExternalLabelName: ""\n', ''));
  assert.deepEqual(one.fixed.map((f) => f.rule), ['replica-label']);
  assert.deepEqual(one.left, []);
  assert.deepEqual(one.report, api.lint(one.after, null, { edits: true }));
  assert.equal(one.report.findings.length, report.findings.length - 1);

  // Odd arguments give error values.
  assert.match(api.fixFinding(broken, null, report.findings.length).error, /there is no finding/);
  assert.match(api.fixFinding(broken, null, -1).error, /must be an index/);
  assert.match(api.fixFinding(broken, null, 'x').error, /must be an index or a finding/);
  assert.match(api.fixFinding(broken, null, { ...report.findings[index], line: 999 }).error, /not reported for this text/);
  assert.match(api.fixAll(42, null).error, /must be a string/);
  assert.match(api.fixAll(broken, { minReplicas: 0 }).error, /^invalid settings/);
});
