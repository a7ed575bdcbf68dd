// Completes web/dist/ once build.sh has put promha_web.js and
// promha_web_bg.wasm there: copies the page, writes the examples as a
// script, and embeds the wasm (gzipped, base64) in promha_web_wasm.js for
// pages opened from file://, where the browser will not fetch it.
//
//   node web/scripts/assemble.mjs web/src web/dist
import { copyFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import vm from 'node:vm';
import { constants, gunzipSync, gzipSync } from 'node:zlib';

const [src, dist] = process.argv.slice(2);
if (!src || !dist) {
  console.error('usage: node assemble.mjs SRC_DIR DIST_DIR');
  process.exit(2);
}

for (const file of ['index.html', 'app.js', 'style.css']) {
  copyFileSync(join(src, file), join(dist, file));
}

const examples = {};
for (const file of readdirSync(join(src, 'examples')).sort()) {
  if (file.endsWith('.yaml')) examples[file.replace(/\.yaml$/, '')] = readFileSync(join(src, 'examples', file), 'utf8');
}
for (const name of ['good', 'broken']) {
  if (!(name in examples)) throw new Error(`web/src/examples/${name}.yaml is missing`);
}
writeFileSync(
  join(dist, 'examples.js'),
  '// Generated from web/src/examples/*.yaml by web/scripts/assemble.mjs.\n' +
    `window.PROMHA_EXAMPLES = ${JSON.stringify(examples, null, 1)};\n`,
);

const wasm = readFileSync(join(dist, 'promha_web_bg.wasm'));
const gz = gzipSync(wasm, { level: constants.Z_BEST_COMPRESSION });
writeFileSync(
  join(dist, 'promha_web_wasm.js'),
  '// promha_web_bg.wasm, gzipped and base64-encoded, for pages opened from file://.\n' +
    `window.PROMHA_WASM_GZ_BASE64 = "${gz.toString('base64')}";\n`,
);

const sizes = {
  'promha_web_bg.wasm': wasm.length,
  'promha_web_bg.wasm gzip -9': gz.length,
  'promha_web_wasm.js (embedded copy)': statSync(join(dist, 'promha_web_wasm.js')).size,
  'promha_web_wasm.js gzip -9': gzipSync(readFileSync(join(dist, 'promha_web_wasm.js')), { level: 9 }).length,
  'promha_web.js': statSync(join(dist, 'promha_web.js')).size,
};
for (const [name, size] of Object.entries(sizes)) console.log(`${name.padEnd(36)} ${String(size).padStart(9)} bytes`);
const budget = 1024 * 1024;
if (gz.length >= budget) {
  console.error(`assemble.mjs: the gzipped wasm is ${gz.length} bytes, over the 1 MiB budget`);
  process.exit(1);
}

// The build must work: binaryen or wasm-bindgen updates have broken the
// module before (an externref table browsers reject). Load it as the page
// does and check both examples.
const glue = readFileSync(join(dist, 'promha_web.js'), 'utf8');
const api = vm.runInThisContext(`(function () {\n${glue}\nreturn wasm_bindgen;\n})()`, { filename: resolve(dist, 'promha_web.js') });
api.initSync({ module: gunzipSync(Buffer.from(readFileSync(join(dist, 'promha_web_wasm.js'), 'utf8').match(/"([A-Za-z0-9+/=]+)"/)[1], 'base64')) });
const good = api.lint(examples.good, null);
const broken = api.lint(examples.broken, null);
if (!good.findings || good.findings.length !== 0 || !broken.findings || broken.findings.length === 0) {
  console.error('assemble.mjs: the built module does not check the examples as expected:', JSON.stringify({ good, broken }).slice(0, 2000));
  process.exit(1);
}
console.log(`assemble.mjs: the built module works (good example: 0 findings, broken example: ${broken.findings.length})`);
