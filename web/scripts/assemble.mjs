// Completes web/dist/ once build.sh has put promha_web.js and
// promha_web_bg.wasm there: bundles the page's modules (web/src/js) into one
// classic script, app.js, with the examples and the worker's source (the
// wasm-bindgen glue and worker.js) inlined, since browsers refuse module
// imports and Workers from file:// URLs; copies the page; and embeds the wasm
// (gzipped, base64) in promha_web_wasm.js for pages opened from file://,
// where the browser will not fetch it.
//
//   node web/scripts/assemble.mjs web/src web/dist
import { copyFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { constants, gunzipSync, gzipSync } from 'node:zlib';

import { build } from 'esbuild';

const [src, dist] = process.argv.slice(2);
if (!src || !dist) {
  console.error('usage: node assemble.mjs SRC_DIR DIST_DIR');
  process.exit(2);
}

for (const file of ['index.html', 'style.css']) {
  copyFileSync(join(src, file), join(dist, file));
}

const examples = {};
for (const file of readdirSync(join(src, 'examples')).sort()) {
  if (file.endsWith('.yaml')) examples[file.replace(/\.yaml$/, '')] = readFileSync(join(src, 'examples', file), 'utf8');
}
for (const name of ['good', 'broken']) {
  if (!(name in examples)) throw new Error(`web/src/examples/${name}.yaml is missing`);
}

// Classic scripts for current browsers; names kept, so that errors read.
const common = { bundle: true, format: 'iife', target: 'es2020', charset: 'utf8', legalComments: 'none', write: false, logLevel: 'warning' };

// The worker runs wasm-bindgen's no-modules glue (which defines
// `wasm_bindgen`) followed by worker.js, as one script.
const glue = readFileSync(join(dist, 'promha_web.js'), 'utf8');
const worker = await build({ ...common, entryPoints: [join(src, 'js', 'worker.js')] });
const workerSource = glue + '\n' + worker.outputFiles[0].text;

// `import x from 'promha:name'` gives these values.
const generated = { examples, 'worker-source': workerSource };
const generatedModules = {
  name: 'promha-generated',
  setup(builder) {
    builder.onResolve({ filter: /^promha:/ }, (args) => {
      const name = args.path.slice('promha:'.length);
      if (!(name in generated)) return { errors: [{ text: `no generated module ${args.path}` }] };
      return { path: name, namespace: 'promha-generated' };
    });
    builder.onLoad({ filter: /.*/, namespace: 'promha-generated' }, (args) => ({
      contents: 'export default ' + JSON.stringify(generated[args.path]) + ';\n',
      loader: 'js',
    }));
  },
};
const app = await build({
  ...common,
  entryPoints: [join(src, 'js', 'main.js')],
  plugins: [generatedModules],
  banner: { js: '// Built by web/scripts/assemble.mjs from web/src/js/*.js, web/src/examples and promha_web.js; edit those.' },
});
writeFileSync(join(dist, 'app.js'), app.outputFiles[0].text);

const wasm = readFileSync(join(dist, 'promha_web_bg.wasm'));
const gz = gzipSync(wasm, { level: constants.Z_BEST_COMPRESSION });
writeFileSync(
  join(dist, 'promha_web_wasm.js'),
  '// promha_web_bg.wasm, gzipped and base64-encoded, for pages opened from file://.\n' +
    `window.PROMHA_WASM_GZ_BASE64 = "${gz.toString('base64')}";\n`,
);

const gzipped = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const sizes = {
  'promha_web_bg.wasm': wasm.length,
  'promha_web_bg.wasm gzip -9': gz.length,
  'promha_web_wasm.js (embedded copy)': statSync(join(dist, 'promha_web_wasm.js')).size,
  'promha_web_wasm.js gzip -9': gzipped('promha_web_wasm.js'),
  'app.js (with the worker and glue)': statSync(join(dist, 'app.js')).size,
  'app.js gzip -9': gzipped('app.js'),
};
for (const [name, size] of Object.entries(sizes)) console.log(`${name.padEnd(36)} ${String(size).padStart(9)} bytes`);
const budget = 1024 * 1024;
if (gz.length >= budget) {
  console.error(`assemble.mjs: the gzipped wasm is ${gz.length} bytes, over the 1 MiB budget`);
  process.exit(1);
}

// The build must work: binaryen or wasm-bindgen updates have broken the
// module before (an externref table browsers reject). Run the worker's own
// script as the page does, from the embedded copy, and check both examples.
const embedded = gunzipSync(Buffer.from(readFileSync(join(dist, 'promha_web_wasm.js'), 'utf8').match(/"([A-Za-z0-9+/=]+)"/)[1], 'base64'));
const answers = [];
const scope = { postMessage: (message) => answers.push(message), performance, TextEncoder, TextDecoder, console, crypto: globalThis.crypto, WebAssembly };
scope.self = scope;
vm.createContext(scope);
vm.runInContext(workerSource, scope, { filename: 'worker (app.js)' });
const send = (data) => {
  const before = answers.length;
  scope.onmessage({ data });
  return answers.slice(before);
};
const [ready] = send({ type: 'init', module: new WebAssembly.Module(embedded) });
const lint = (id, text) => send({ type: 'lint', id, text, settings: null }).find((m) => m.type !== 'started');
const good = lint(1, examples.good);
const broken = lint(2, examples.broken);
const works = ready.type === 'ready' && good.type === 'done' && good.result.findings.length === 0 && broken.type === 'done' && broken.result.findings.length > 0;
if (!works) {
  console.error('assemble.mjs: the built worker does not check the examples as expected:', JSON.stringify({ ready, good, broken }).slice(0, 2000));
  process.exit(1);
}
console.log(`assemble.mjs: the built worker works (good example: 0 findings, broken example: ${broken.result.findings.length})`);
