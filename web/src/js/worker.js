// The checker's worker. Built into one classic script after wasm-bindgen's
// no-modules glue (which defines `wasm_bindgen`), and started from a Blob URL
// of that source, since Chromium refuses a Worker from a file:// URL.
//
// Messages in:  {type: 'init', module}       a compiled WebAssembly.Module
//               {type: 'lint', id, text, settings, limit}
//               {type: 'fix', id, text, settings, which, limit}   which: null (every fix) or a finding
// Messages out: {type: 'ready', meta: {version, rules, schema}} | {type: 'init-failed', message}
//               {type: 'started', id, bytes}, then
//               {type: 'done', id, result, total, ms} | {type: 'failed', id, message}
// `result` is what the wasm's lint returns (with each finding's edits), with
// at most `limit` findings (the page lists no more, and copying them all to
// the page's thread could take longer than showing them); `total` counts
// them all. For a fix, it is what fixAll or fixFinding returns, and the
// limit is of its report's findings.
/* global wasm_bindgen */

let api = null;

// The UTF-8 size of a text, as the user's file would have, without copying it.
function utf8Length(text) {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      if (c < 0x800) bytes += 1;
      else if (c >= 0xd800 && c < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        bytes += 2;
        i++;
      } else bytes += 2;
    }
  }
  return bytes;
}

function describe(error) {
  return String(error && error.message ? error.message : error);
}

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'init') {
    try {
      wasm_bindgen.initSync({ module: message.module });
      api = wasm_bindgen;
      self.postMessage({ type: 'ready', meta: { version: api.version(), rules: api.rules(), schema: api.settingsSchema() } });
    } catch (error) {
      self.postMessage({ type: 'init-failed', message: describe(error) });
    }
    return;
  }
  if (message.type === 'lint' || message.type === 'fix') {
    const { id, text, settings, limit } = message;
    if (!api) {
      self.postMessage({ type: 'failed', id, message: 'the checker is not loaded' });
      return;
    }
    self.postMessage({ type: 'started', id, bytes: typeof text === 'string' ? utf8Length(text) : 0 });
    const started = performance.now();
    try {
      let result;
      let report;
      if (message.type === 'lint') {
        result = api.lint(text, settings, { edits: true });
        report = result;
      } else {
        result = message.which === null ? api.fixAll(text, settings) : api.fixFinding(text, settings, message.which);
        report = result.report;
      }
      const total = report && Array.isArray(report.findings) ? report.findings.length : 0;
      if (total > limit) report.findings.length = limit;
      self.postMessage({ type: 'done', id, result, total, ms: performance.now() - started });
    } catch (error) {
      self.postMessage({ type: 'failed', id, message: describe(error) });
    }
  }
};
