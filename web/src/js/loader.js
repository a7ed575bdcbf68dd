// Loads promha's wasm and compiles it, without running it: the checks run in
// a worker (checker.js), which instantiates this module.
//
// Over http(s) the page fetches promha_web_bg.wasm. From file:// browsers do
// not fetch, so the same wasm, gzipped and base64-encoded in a classic script
// (promha_web_wasm.js, which sets `PROMHA_WASM_GZ_BASE64`), is decoded instead.

const WASM_FILE = 'promha_web_bg.wasm';
const EMBEDDED_FILE = 'promha_web_wasm.js';

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('cannot load ' + src));
    document.head.appendChild(script);
  });
}

function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function fetchModule() {
  const response = await fetch(WASM_FILE);
  if (!response.ok) throw new Error(WASM_FILE + ': HTTP ' + response.status);
  // Streaming compilation needs the right MIME type, which not every static host sends.
  if ((response.headers.get('content-type') || '').split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function embeddedModule() {
  await loadScript(EMBEDDED_FILE);
  const embedded = window.PROMHA_WASM_GZ_BASE64;
  if (typeof embedded !== 'string') throw new Error(EMBEDDED_FILE + ' holds no wasm');
  // The 1.4 MB string is not needed once decoded.
  delete window.PROMHA_WASM_GZ_BASE64;
  return WebAssembly.compile(await gunzip(base64ToBytes(embedded)));
}

/// `{module: WebAssembly.Module, via: 'fetch' | 'embedded'}`.
export async function loadWasmModule() {
  if (location.protocol === 'http:' || location.protocol === 'https:') {
    try {
      return { module: await fetchModule(), via: 'fetch' };
    } catch (error) {
      console.warn('promha: fetching ' + WASM_FILE + ' failed, using the embedded copy', error);
    }
  }
  return { module: await embeddedModule(), via: 'embedded' };
}
