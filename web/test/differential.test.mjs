// The page and the CLI must say exactly the same: every input goes through
// `promha lint --format json input.yaml` and through the page's own wasm
// build (web/dist, loaded into node), and the reports must be identical,
// `file` included (the CLI lints a file named input.yaml, as the page does).
//
// Needs web/dist (web/scripts/build.sh) and the CLI: PROMHA_CLI, else
// $CARGO_TARGET_DIR/debug/promha, else target/debug/promha
// (cargo build -p promha). web/scripts/test.sh builds both.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { fixturesDir, loadWasmApi, repoRoot, webDir } from './helpers.mjs';

function findCli() {
  const candidates = [
    process.env.PROMHA_CLI,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'debug', 'promha'),
    join(repoRoot, 'target', 'debug', 'promha'),
  ].filter(Boolean);
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(`the promha CLI was not found (tried ${candidates.join(', ')}): run cargo build -p promha or set PROMHA_CLI`);
  }
  return found;
}

let api;
let cli;
let work;

before(() => {
  api = loadWasmApi();
  cli = findCli();
  work = mkdtempSync(join(tmpdir(), 'promha-diff-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

let runs = 0;

// `settings`: undefined (defaults, --no-config), or the text of a settings file.
function runCli(text, settingsText) {
  const dir = join(work, String(runs++));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'input.yaml'), text);
  const args = ['lint', '--format', 'json', '--color', 'never'];
  if (settingsText === undefined) {
    args.push('--no-config');
  } else {
    writeFileSync(join(dir, 'settings.yaml'), settingsText);
    args.push('--config', 'settings.yaml');
  }
  args.push('input.yaml');
  const result = spawnSync(cli, args, { cwd: dir, encoding: 'utf8', input: '', timeout: 60000 });
  if (result.error) throw result.error;
  return result;
}

// Compares the CLI's and the page's answers for one text and one settings
// variant, given to the page in every form it accepts.
function compare(text, settings) {
  const settingsText = settings === undefined ? undefined : typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2);
  const forms = settings === undefined ? [undefined, null, '', {}] : typeof settings === 'string' ? [settings] : [settings, settingsText];
  const answers = forms.map((form) => api.lint(text, form));
  for (const answer of answers.slice(1)) assert.deepEqual(answer, answers[0], 'the page answers alike for every form of the settings');
  const web = answers[0];
  const out = runCli(text, settingsText);
  if (typeof web.error === 'string') {
    assert.equal(out.status, 2, `the CLI refuses invalid settings too (stdout: ${out.stdout}, stderr: ${out.stderr})`);
    for (const problem of web.problems) {
      assert.ok(out.stderr.includes(problem), `the CLI names the same problem ${JSON.stringify(problem)}; its stderr: ${out.stderr}`);
    }
    return web;
  }
  assert.ok(out.status === 0 || out.status === 1, `promha lint exited ${out.status}: ${out.stderr}`);
  let report;
  try {
    report = JSON.parse(out.stdout);
  } catch (error) {
    assert.fail(`the CLI printed no JSON: ${out.stdout.slice(0, 500)} ${out.stderr.slice(0, 500)}`);
  }
  assert.deepEqual(web, report);
  assert.equal(out.status, report.summary.errors > 0 ? 1 : 0, 'exit status follows the errors');
  return web;
}

function yamlFiles(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...yamlFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry)) found.push(path);
  }
  return found;
}

const rulesDir = join(repoRoot, 'crates', 'promha-core', 'src', 'rules');
const ruleExamples = readdirSync(rulesDir)
  .filter((d) => statSync(join(rulesDir, d)).isDirectory())
  .sort()
  .flatMap((d) => ['bad.yaml', 'good.yaml'].map((f) => join(rulesDir, d, f)))
  .filter((f) => existsSync(f));
// Each rule's cases (src/rules/<rule>/cases/*.yaml), with the settings their
// `# settings: {…}` header gives.
const ruleCases = readdirSync(rulesDir)
  .filter((d) => existsSync(join(rulesDir, d, 'cases')))
  .sort()
  .flatMap((d) => yamlFiles(join(rulesDir, d, 'cases')));
const caseSettings = (text) => {
  const header = text.split('\n').filter((l) => l.startsWith('#'));
  const line = header.find((l) => l.startsWith('# settings:'));
  return line === undefined ? undefined : line.slice('# settings:'.length).trim();
};
const repoExamples = yamlFiles(join(repoRoot, 'examples'));
const pageExamples = yamlFiles(join(webDir, 'src', 'examples'));
const ownFixtures = yamlFiles(fixturesDir);
const read = (path) => readFileSync(path, 'utf8');
const label = (path) => relative(repoRoot, path);

describe('every rule example', () => {
  test('there are bad and good examples for every rule', () => {
    assert.ok(ruleExamples.length >= 2 * 10, `found ${ruleExamples.length}`);
  });
  for (const path of ruleExamples) {
    test(label(path), () => {
      const report = compare(read(path));
      const rule = basename(join(path, '..')).replace(/_/g, '-');
      const ids = report.findings.map((f) => f.rule);
      if (path.endsWith('bad.yaml')) assert.ok(ids.includes(rule), `${rule} reports its bad example: ${ids}`);
      else assert.ok(!ids.includes(rule), `${rule} accepts its good example: ${ids}`);
    });
  }
});

describe('every rule case', () => {
  test('there are cases', () => assert.ok(ruleCases.length >= 100, `found ${ruleCases.length}`));
  for (const path of ruleCases) {
    test(label(path), () => {
      const text = read(path);
      compare(text, caseSettings(text));
    });
  }
});

describe('the examples folder', () => {
  for (const path of repoExamples) {
    test(label(path), () => compare(read(path)));
  }
  // A folder of files pasted into the page as one text.
  const folders = [...new Set(repoExamples.map((p) => join(p, '..')))];
  for (const folder of folders) {
    const files = repoExamples.filter((p) => join(p, '..') === folder && /\.ya?ml$/.test(p));
    if (files.length < 2) continue;
    test(`${label(folder)} as one text`, () => compare(files.map((f) => read(f).replace(/\n?$/, '\n')).join('---\n')));
  }
});

describe('the page examples and test fixtures', () => {
  for (const path of [...pageExamples, ...ownFixtures]) {
    test(label(path), () => compare(read(path)));
  }
  test('the good setup is clean and the broken one is not', () => {
    assert.deepEqual(compare(read(join(webDir, 'src', 'examples', 'good.yaml'))).findings, []);
    const broken = compare(read(join(webDir, 'src', 'examples', 'broken.yaml')));
    assert.ok(new Set(broken.findings.map((f) => f.rule)).size >= 5, 'the broken setup shows several rules');
  });
});

describe('texts typed, cut or encoded oddly', () => {
  const broken = read(join(webDir, 'src', 'examples', 'broken.yaml'));
  const cases = {
    'empty text': '',
    'only separators': '---\n---\n...\n',
    'only a comment': '# nothing here\n',
    'a scalar': 'just a string\n',
    'a list': '- a\n- b\n',
    'windows line endings': broken.replace(/\n/g, '\r\n'),
    'a byte order mark': '\uFEFF' + broken,
    'no final newline': broken.trimEnd(),
    'tabs for indentation': 'apiVersion: v1\nkind: Service\nmetadata:\n\tname: x\n',
    'duplicate keys': 'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: a}\nspec:\n  replicas: 1\n  replicas: 2\n',
    'a huge replica count': 'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: a}\nspec: {replicas: 99999999999999999999999}\n',
    'negative replicas': 'apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: a}\nspec: {replicas: -1}\n',
    'deep nesting': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: ' + '['.repeat(200) + ']'.repeat(200) + '\n',
    'an alias bomb': 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    test(name, () => compare(text));
  }
  test('every prefix of the broken example, as while typing', () => {
    for (let cut = 0; cut < broken.length; cut += 61) compare(broken.slice(0, cut));
  });
});

describe('settings', () => {
  const inputs = [
    join(webDir, 'src', 'examples', 'good.yaml'),
    join(webDir, 'src', 'examples', 'broken.yaml'),
    join(rulesDir, 'alertmanager_peers', 'bad.yaml'),
    join(rulesDir, 'replica_label', 'good.yaml'),
    join(fixturesDir, 'statefulsets.yaml'),
  ];
  const variants = {
    'minReplicas 3': { minReplicas: 3 },
    'separate Alertmanager minimum': { minReplicas: 1, alertmanagerMinReplicas: 3 },
    'required anti-affinity across zones': { antiAffinity: 'required', topologyKey: 'topology.kubernetes.io/zone' },
    'rule levels': { rules: { 'persistent-storage': 'error', 'pod-disruption-budget': 'off', 'anti-affinity': 'warning' } },
    'exempt namespace': { exemptNamespaces: ['monitoring'] },
    'replica labels': { replicaLabels: ['cluster_replica'] },
    'no PDBs, no ignore annotation': { podDisruptionBudget: false, allowIgnoreAnnotation: false },
    'every default spelled out': () => api.defaultSettings(),
    'YAML text': 'minReplicas: 3\nrules:\n  session-affinity: off\n  min-replicas: warning\n',
  };
  for (const [name, variant] of Object.entries(variants)) {
    test(name, () => {
      const settings = typeof variant === 'function' ? variant() : variant;
      const differs = [];
      for (const input of inputs) {
        const withSettings = compare(read(input), settings);
        differs.push(JSON.stringify(withSettings) !== JSON.stringify(api.lint(read(input), null)));
      }
      if (name !== 'every default spelled out') assert.ok(differs.some(Boolean), 'the settings change some report');
      else assert.ok(!differs.some(Boolean), 'the defaults change nothing');
    });
  }
  const invalid = {
    'zero replicas': { minReplicas: 0 },
    'several problems': { antiAffinity: 'sometimes', rules: { 'min-replica': 'off' }, minReplica: 2 },
    'a bad topology key': { topologyKey: 'not a key!' },
    'a bad replica label': { replicaLabels: ['prometheus-replica'] },
    'not a map': '[1, 2]',
    'unreadable YAML': 'minReplicas: [3\n',
  };
  for (const [name, settings] of Object.entries(invalid)) {
    test(`invalid: ${name}`, () => {
      const web = compare(read(inputs[1]), settings);
      assert.equal(typeof web.error, 'string', 'the page reports invalid settings as an error value');
      assert.ok(web.problems.length >= 1);
    });
  }
});

test('the rule catalogue is the CLI catalogue', () => {
  const out = spawnSync(cli, ['rules', '--format', 'json'], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(api.rules(), JSON.parse(out.stdout));
});

// `promha fix` and the page's "Apply all fixes" are the same core fix: the
// same fixed text, the same diff (`promha lint --diff`), the same report of
// what is left.
function compareFix(text, settingsText) {
  const web = api.fixAll(text, settingsText ?? null);
  const dir = join(work, String(runs++));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'input.yaml'), text);
  const config = [];
  if (settingsText === undefined) config.push('--no-config');
  else {
    writeFileSync(join(dir, 'settings.yaml'), settingsText);
    config.push('--config', 'settings.yaml');
  }
  const diff = spawnSync(cli, ['lint', '--diff', '--format', 'json', '--color', 'never', ...config, 'input.yaml'], { cwd: dir, encoding: 'utf8', input: '', timeout: 60000 });
  if (diff.error) throw diff.error;
  if (typeof web.error === 'string') {
    assert.equal(diff.status, 2, `the CLI refuses invalid settings too: ${diff.stderr}`);
    return web;
  }
  assert.equal(diff.stdout, web.diff, 'promha lint --diff prints the page\'s diff');
  const fixed = spawnSync(cli, ['fix', '--format', 'json', '--color', 'never', ...config, 'input.yaml'], { cwd: dir, encoding: 'utf8', input: '', timeout: 60000 });
  if (fixed.error) throw fixed.error;
  assert.ok(fixed.status === 0 || fixed.status === 1, `promha fix exited ${fixed.status}: ${fixed.stderr}`);
  assert.equal(readFileSync(join(dir, 'input.yaml'), 'utf8'), web.after, 'promha fix writes the page\'s fixed text');
  const withoutEdits = { ...web.report, findings: web.report.findings.map(({ edits, ...rest }) => rest) };
  assert.deepEqual(JSON.parse(fixed.stdout), withoutEdits, 'and reports what the page shows is left');
  return web;
}

describe('fixes: promha fix and the page\'s "Apply all fixes"', () => {
  const inputs = [...ruleExamples, ...ruleCases, ...repoExamples, ...pageExamples];
  test('some inputs are fixed', () => {
    const changed = inputs.filter((path) => api.fixAll(read(path), caseSettings(read(path)) ?? null).diff !== '');
    assert.ok(changed.length >= 20, `${changed.length} of ${inputs.length} inputs change`);
  });
  for (const path of inputs) {
    test(label(path), () => {
      const text = read(path);
      compareFix(text, caseSettings(text));
    });
  }
});
