// The page and the CLI say the same on every fixture and on ../shared/corpus:
// each file goes through the page's wasm (web/dist, loaded into node) and
// through `promha lint --format json --no-config input.yaml` (named as the
// page names its text), and the reports must be identical. The rule
// examples, the examples folder and odd texts are in differential.test.mjs;
// here: every rule case, the e2e and CLI fixtures, and the upstream corpus
// (skipped with a message when ../shared/corpus does not exist).
//
// Needs web/dist and the CLI (PROMHA_CLI, else $CARGO_TARGET_DIR/debug/promha).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { loadWasmApi, repoRoot } from './helpers.mjs';

let api;
let cli;
let work;

before(() => {
  api = loadWasmApi();
  const candidates = [
    process.env.PROMHA_CLI,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'debug', 'promha'),
    join(repoRoot, 'target', 'debug', 'promha'),
  ].filter(Boolean);
  cli = candidates.find((c) => existsSync(c));
  if (!cli) throw new Error(`the promha CLI was not found (tried ${candidates.join(', ')})`);
  work = mkdtempSync(join(tmpdir(), 'promha-corpus-diff-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function files(dir, pattern = /\.(ya?ml|json)$/) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...files(path, pattern));
    else if (pattern.test(entry)) found.push(path);
  }
  return found;
}

function compare(path) {
  const text = readFileSync(path, 'utf8');
  const web = api.lint(text, null);
  writeFileSync(join(work, 'input.yaml'), text);
  const out = spawnSync(cli, ['lint', '--format', 'json', '--color', 'never', '--no-config', 'input.yaml'], {
    cwd: work,
    encoding: 'utf8',
    input: '',
    timeout: 120000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out.error) throw out.error;
  assert.ok(out.status === 0 || out.status === 1, `promha lint exited ${out.status}: ${out.stderr}`);
  assert.deepEqual(web, JSON.parse(out.stdout), 'the page and the CLI report alike');
}

const rulesDir = join(repoRoot, 'crates', 'promha-core', 'src', 'rules');
const groups = {
  'rule cases': files(rulesDir).filter((p) => p.includes('/cases/')),
  'e2e fixtures': files(join(repoRoot, 'e2e-tests', 'fixtures')),
  'CLI fixtures': files(join(repoRoot, 'crates', 'promha', 'tests', 'fixtures'), /\.ya?ml$/),
};
const corpusDir = join(repoRoot, '..', 'shared', 'corpus');
if (existsSync(corpusDir)) groups['../shared/corpus'] = files(corpusDir);
else console.log(`skipped ../shared/corpus: ${corpusDir} does not exist`);

for (const [group, paths] of Object.entries(groups)) {
  describe(group, () => {
    test('there are files', () => assert.ok(paths.length > 0, `none in ${group}`));
    for (const path of paths) test(relative(repoRoot, path), () => compare(path));
  });
}
