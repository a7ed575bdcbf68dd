// Shared by the node tests: where things are, the page's wasm loaded into
// node, a static server for web/dist, and Debian's Chromium.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(webDir, '..');
export const distDir = join(webDir, 'dist');
export const fixturesDir = join(webDir, 'test', 'fixtures');

export function requireDist() {
  for (const file of ['index.html', 'app.js', 'promha_web.js', 'promha_web_bg.wasm', 'promha_web_wasm.js']) {
    if (!existsSync(join(distDir, file))) {
      throw new Error(`web/dist/${file} is missing: build the page first (web/scripts/build.sh)`);
    }
  }
}

/// The page's own glue (promha_web.js, a classic script defining
/// `wasm_bindgen`) and wasm, loaded into node: the very build the page runs.
export function loadWasmApi(wasmBytes) {
  requireDist();
  const glue = readFileSync(join(distDir, 'promha_web.js'), 'utf8');
  const api = vm.runInThisContext(`(function () {\n${glue}\nreturn wasm_bindgen;\n})()`, { filename: join(distDir, 'promha_web.js') });
  api.initSync({ module: wasmBytes ?? readFileSync(join(distDir, 'promha_web_bg.wasm')) });
  return api;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/// Serves web/dist on a random localhost port; records every request.
export async function serveDist() {
  requireDist();
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    const file = normalize(join(distDir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(distDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((done) => server.close(done)),
  };
}

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/// Debian's Chromium, headless, through playwright-core (which downloads no browser).
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'promha-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      '--disable-default-apps',
      '--disable-extensions',
    ],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/// A new page that fails the test on any console error, page error or failed request.
export async function watchedPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  return { page, problems };
}
