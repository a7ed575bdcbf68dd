// The page's modules that need no DOM, imported by node as they are
// (web/src/js): the link's encoding and the .promha.yaml writer, each
// checked against what reads it back (the decoder; the wasm's settings
// reader, through lint).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { diffLines } from '../src/js/fix-view.js';
import { decodeFragment, encodeFragment } from '../src/js/share-link.js';
import { toYaml, yamlString } from '../src/js/yaml.js';
import { loadWasmApi, webDir } from './helpers.mjs';

const broken = readFileSync(join(webDir, 'src', 'examples', 'broken.yaml'), 'utf8');

describe('the link', () => {
  test('keeps any text and settings', async () => {
    const texts = ['', 'x', broken, 'é🚨\u0000\r\n\t"\'\\', '\uFEFF' + broken.replace(/\n/g, '\r\n'), 'a'.repeat(100000)];
    const settings = [{}, { minReplicas: 3, rules: { 'persistent-storage': 'off' } }, { exemptNamespaces: ['é', 'a b'] }];
    for (const t of texts) {
      for (const s of settings) {
        const fragment = await encodeFragment(t, s);
        if (t === '' && Object.keys(s).length === 0) {
          assert.equal(fragment, '');
          continue;
        }
        assert.match(fragment, /^z=[A-Za-z0-9_-]+$/, 'base64url, nothing a URL would escape');
        const payload = await decodeFragment('#' + fragment);
        assert.equal(payload.t, t);
        assert.deepEqual(payload.s ?? {}, s);
      }
    }
    // It is compressed: the broken example a hundred times takes a small fraction.
    assert.ok((await encodeFragment(broken.repeat(100), {})).length < broken.length * 100 / 20);
  });

  test('reads hand-written and uncompressed links, and refuses damaged ones', async () => {
    assert.deepEqual(await decodeFragment('#t=' + encodeURIComponent('kind: Prometheus\n')), { t: 'kind: Prometheus\n' });
    const json = Buffer.from(JSON.stringify({ t: 'a', s: { minReplicas: 3 } })).toString('base64url');
    assert.deepEqual(await decodeFragment('#j=' + json), { t: 'a', s: { minReplicas: 3 } });
    assert.equal(await decodeFragment('#rule-min-replicas'), null);
    assert.equal(await decodeFragment(''), null);
    const fragment = await encodeFragment(broken, {});
    await assert.rejects(decodeFragment('#' + fragment.slice(0, fragment.length / 2)));
    await assert.rejects(decodeFragment('#j=' + Buffer.from('{"s": {}}').toString('base64url')), /no text/);
  });
});

describe('the .promha.yaml the form writes', () => {
  let api;
  before(() => {
    api = loadWasmApi();
  });

  // Strings YAML would read as something else, or not at all, unquoted.
  const awkward = ['off', 'On', 'yes', 'NO', 'y', 'true', 'null', '~', '', ' lead', 'trail ', '123', '0x1F', '1e3', '.inf', 'a: b', 'a #b', '#x', '- x', '[a]', '{a}', '*a', '&a', '!x', '%x', '@x', '`x', '|', '>', '? x', "it's", '"q"', 'back\\slash', 'tab\there', 'new\nline', 'é', '🚨', 'a/b.c-d_e'];

  test('strings read back as the same strings', () => {
    for (const value of awkward) {
      for (const settings of [{ topologyKey: value }, { exemptNamespaces: [value, 'monitoring'] }, { rules: { [value]: 'off' } }]) {
        const yaml = toYaml(settings);
        // Valid or not, the wasm says the same of the YAML as of the object
        // (its problems quote the value, so a misread value shows).
        assert.deepEqual(api.lint(broken, yaml), api.lint(broken, settings), `${JSON.stringify(settings)} as\n${yaml}`);
      }
    }
  });

  test('numbers, booleans, lists and rule levels', () => {
    const settings = { minReplicas: 3, podDisruptionBudget: false, replicaLabels: ['replica', 'cluster_replica'], rules: { 'persistent-storage': 'off', 'min-replicas': 'warning' } };
    assert.equal(toYaml(settings), 'minReplicas: 3\npodDisruptionBudget: false\nreplicaLabels:\n  - replica\n  - cluster_replica\nrules:\n  persistent-storage: "off"\n  min-replicas: warning\n');
    assert.deepEqual(api.lint(broken, toYaml(settings)), api.lint(broken, settings));
    assert.notDeepEqual(api.lint(broken, settings), api.lint(broken, null), 'the settings matter');
    assert.equal(toYaml({}), '');
    assert.equal(yamlString('plain-value'), 'plain-value');
    assert.equal(yamlString('off'), '"off"');
  });
});

describe('the diff view', () => {
  let api;
  before(() => {
    api = loadWasmApi();
  });

  test('tells the lines of the core\'s diff apart: both texts read back from it', () => {
    for (const input of [broken, broken.replace(/\n/g, '\r\n')]) {
      const { after, diff } = api.fixAll(input, null);
      const lines = diffLines(diff);
      assert.deepEqual(lines.map((l) => l.text).join('\n') + '\n', diff);
      assert.deepEqual(lines.slice(0, 2).map((l) => l.kind), ['head', 'head']);
      assert.ok(!lines.slice(2).some((l) => l.kind === 'head'));
      const old = input.split('\n');
      const fixed = after.split('\n');
      for (const { kind, text: line } of lines) {
        if (kind === 'del') assert.ok(old.includes(line.slice(1)), line);
        if (kind === 'add') assert.ok(fixed.includes(line.slice(1)), line);
        if (kind === 'same') assert.ok(old.includes(line.slice(1)) && fixed.includes(line.slice(1)), line);
        if (kind === 'hunk') assert.match(line, /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/);
      }
      assert.ok(lines.some((l) => l.kind === 'add') && lines.some((l) => l.kind === 'del'));
    }
    assert.deepEqual(diffLines(''), []);
    // In a hunk, a removed "--- " line (a document separator) is a removal, not a file name.
    const kinds = diffLines('--- a/x\n+++ b/x\n@@ -1,3 +1,2 @@\n a: 1\n----\n+++b: 2\n').map((l) => l.kind);
    assert.deepEqual(kinds, ['head', 'head', 'hunk', 'same', 'del', 'add']);
  });
});
