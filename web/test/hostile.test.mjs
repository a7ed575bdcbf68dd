// The hostile-input suite, against the page's wasm (web/dist, loaded into
// node): the inputs of tests/hostile/inputs.rs (the CLI's and the policy's
// list), built here the same way. Each must get a report — never a throw
// or a trap — and what cannot be read must be reported as invalid-resource.
// The page reads text, so byte inputs arrive as the browser would decode
// them (invalid UTF-8 as U+FFFD).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { loadWasmApi } from './helpers.mjs';

let api;
before(() => {
  api = loadWasmApi();
});

const prometheusWithSpec = (spec) =>
  `apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: k8s\n  namespace: monitoring\nspec: ${spec}\n`;

function aliasBomb() {
  let out = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let level = 1; level < 10; level++) {
    out += `a${level}: &a${level} [${Array(9).fill(`*a${level - 1}`).join(', ')}]\n`;
  }
  return out;
}

function bigDocument(bytes) {
  const lines = [prometheusWithSpec('\n  replicas: 1\n  podMetadata:\n    annotations:')];
  let size = lines[0].length;
  for (let i = 0; size < bytes; i++) {
    const line = `      note-${i}: "${'v'.repeat(100)}"\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

function garbage(length) {
  let state = 0x2545f4914f6cdd1dn;
  const mask = (1n << 64n) - 1n;
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state ^= (state << 13n) & mask;
    state ^= state >> 7n;
    state ^= (state << 17n) & mask;
    bytes[i] = Number((state >> 24n) & 0xffn);
  }
  return bytes.toString('utf8');
}

const configMapHolding = (value) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prometheus-config\n  namespace: monitoring\ndata:\n  prometheus.yml: |\n${value
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `    ${l}\n`)
    .join('')}`;
const secretHolding = (value) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: prometheus-config\n  namespace: monitoring\ndata:\n  prometheus.yaml: ${Buffer.from(value).toString('base64')}\n`;
const brokenConfig = 'global:\n  scrape_interval: [30s\nscrape_configs: {\n';

const withNul = (() => {
  const text = prometheusWithSpec('{replicas: 1}');
  return text.slice(0, 20) + '\0\0' + text.slice(20);
})();

// [name, text, expectation]: 'unreadable' (an invalid-resource error), a rule
// id that must be reported, 'answered' (some finding) or 'report' (any report).
const inputs = [
  ['alias bomb', aliasBomb(), 'unreadable'],
  ['100,000-deep block nesting', '- '.repeat(100000) + 'x\n', 'unreadable'],
  ['100,000-deep flow nesting', '['.repeat(100000) + ']'.repeat(100000) + '\n', 'unreadable'],
  ['a 50 MB document', bigDocument(50000000), 'answered'],
  // Decoded as a browser would: the bad byte becomes U+FFFD, which YAML reads.
  ['invalid UTF-8', Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: caf\xe9}\n', 'latin1').toString('utf8'), 'report'],
  ['NUL bytes', withNul, 'unreadable'],
  ['binary garbage', garbage(1 << 20), 'unreadable'],
  ['binary garbage, decoded as UTF-8', garbage(1 << 20), 'unreadable'],
  ['duplicate keys', prometheusWithSpec('\n  replicas: 1\n  replicas: 2'), 'unreadable'],
  ['custom tags', prometheusWithSpec('\n  replicas: !custom 2\n  storage: !!binary aGVsbG8='), 'answered'],
  // Outside int32: the API server would refuse it.
  ['replicas: 1e100', prometheusWithSpec('{replicas: 1e100}'), 'invalid-resource'],
  ['replicas: 3000000000', prometheusWithSpec('{replicas: 3000000000}'), 'invalid-resource'],
  // A count Kubernetes would refuse; promha reports it as too few.
  ['replicas: -1', prometheusWithSpec('{replicas: -1}'), 'min-replicas'],
  ['replicas: "two"', prometheusWithSpec('{replicas: two}'), 'invalid-resource'],
  ['spec: null', prometheusWithSpec('null'), 'min-replicas'],
  ['spec: {}', prometheusWithSpec('{}'), 'min-replicas'],
  ['ConfigMap prometheus.yml: an alias bomb', configMapHolding(aliasBomb()), 'unreadable'],
  ['ConfigMap prometheus.yml: broken YAML', configMapHolding(brokenConfig), 'unreadable'],
  ['Secret prometheus.yaml: an alias bomb', secretHolding(aliasBomb()), 'unreadable'],
  ['Secret prometheus.yaml: broken YAML', secretHolding(brokenConfig), 'unreadable'],
];

for (const [name, text, expect] of inputs) {
  test(name, () => {
    const report = api.lint(text, null);
    assert.ok(report && Array.isArray(report.findings), `a report: ${JSON.stringify(report).slice(0, 300)}`);
    const rules = report.findings.map((f) => f.rule);
    if (expect === 'unreadable') {
      const finding = report.findings.find((f) => f.rule === 'invalid-resource');
      assert.ok(finding, `invalid-resource reported (found ${rules})`);
      assert.equal(finding.severity, 'error');
      if (name.includes('prometheus.y')) assert.match(finding.message, /prometheus\.ya?ml/, 'the finding names the key');
    } else if (expect === 'answered') {
      assert.ok(report.findings.length > 0, 'the input is wrong and something says so');
    } else if (expect !== 'report') {
      assert.ok(rules.includes(expect), `${expect} reported (found ${rules})`);
    }
  });
}
