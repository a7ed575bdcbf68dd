// Runs the checks and the fixes in a Web Worker, so that the page stays
// responsive on any input. One job at a time: a newer one supersedes a
// running one by terminating its worker (a wasm call cannot be interrupted
// otherwise) and starting a fresh one from the compiled module.

// After a check of a text this long, the worker's wasm memory (which never
// shrinks) is given back by starting a fresh worker for the next check.
const RECYCLE_AFTER_CHARS = 8e6;

/// `module`: the compiled WebAssembly.Module; `source`: the worker's script
/// (wasm-bindgen's glue and worker.js). `ready` resolves to
/// {version, rules, schema} (the settings' JSON Schema), or rejects if the module cannot start.
export function createChecker({ module, source }) {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  let worker = null;
  let nextId = 0;
  // The job the worker is running, and the one waiting for it to finish.
  let busy = null;
  let waiting = null;
  let onReady = null;
  const ready = new Promise((resolve, reject) => {
    onReady = { resolve, reject };
  });

  function stop() {
    if (worker) worker.terminate();
    worker = null;
  }

  function finish(job) {
    if (busy === job) busy = null;
    if (!busy && waiting) {
      const next = waiting;
      waiting = null;
      run(next);
    }
  }

  function fail(message) {
    const error = new Error(message);
    if (onReady) {
      onReady.reject(error);
      onReady = null;
    }
    // The instance may be broken (a trap, out of memory): the next job gets a fresh one.
    stop();
    const job = busy;
    if (job) {
      busy = null;
      job.reject(error);
      finish(job);
    }
  }

  function onMessage(event) {
    const message = event.data;
    if (message.type === 'ready') {
      if (onReady) onReady.resolve(message.meta);
      onReady = null;
      return;
    }
    if (message.type === 'init-failed') {
      fail('the checker did not start: ' + message.message);
      return;
    }
    const job = busy;
    if (!job || message.id !== job.id) return;
    if (message.type === 'started') {
      if (job.onStarted) job.onStarted(message.bytes);
    } else if (message.type === 'done') {
      job.resolve({ result: message.result, total: message.total, ms: message.ms });
      if (job.text.length > RECYCLE_AFTER_CHARS) stop();
      finish(job);
    } else if (message.type === 'failed') {
      fail(message.message);
    }
  }

  function spawn() {
    worker = new Worker(url, { name: 'promha-checker' });
    worker.onmessage = onMessage;
    worker.onmessageerror = () => fail('a message from the checker could not be read');
    worker.onerror = (event) => {
      event.preventDefault();
      fail(event.message || 'the checker stopped');
    };
    worker.postMessage({ type: 'init', module });
  }

  function run(job) {
    if (!worker) spawn();
    job.id = ++nextId;
    busy = job;
    if (job.type === 'fix') worker.postMessage({ type: 'fix', id: job.id, text: job.text, settings: job.settings, which: job.which, limit: job.limit });
    else worker.postMessage({ type: 'lint', id: job.id, text: job.text, settings: job.settings, limit: job.limit });
  }

  function submit(text, settings, options) {
    return new Promise((resolve, reject) => {
      const job = { type: options.type ?? 'lint', which: options.which ?? null, text, settings, limit: options.limit ?? Infinity, warm: Boolean(options.warm), onStarted: options.onStarted, resolve, reject };
      if (waiting) waiting.resolve(null);
      waiting = null;
      if (busy && !busy.warm && !job.warm) {
        // Superseded: the running check's text is stale.
        busy.resolve(null);
        busy = null;
        stop();
      }
      if (busy) waiting = job;
      else run(job);
    });
  }

  spawn();

  return {
    ready,

    /// Checks a text: resolves to {result, total, ms}, where `result` is
    /// what the wasm `lint` returns but with at most `limit` findings and
    /// `total` counts them all; or to null when a newer check superseded
    /// this one. Rejects if the checker failed. `onStarted(bytes)` when the
    /// worker starts on it.
    check(text, settings, { limit, onStarted } = {}) {
      return submit(text, settings, { limit, onStarted });
    },

    /// Fixes a text: `which` is null for every fix, else the finding (as
    /// `check` returned it) whose fix to apply. Resolves to {result, total,
    /// ms}, `result` being what the wasm's fixAll or fixFinding returns,
    /// its report with at most `limit` findings; or to null when a newer
    /// job superseded this one. Rejects if the checker failed.
    fix(text, settings, which, { limit, onStarted } = {}) {
      return submit(text, settings, { type: 'fix', which, limit, onStarted });
    },

    /// Checks a text while idle, to compile promha's schemas before the
    /// user's first check; a check submitted meanwhile waits for it rather
    /// than throwing the warm worker away.
    warm(text) {
      if (busy || waiting) return Promise.resolve(null);
      return submit(text, null, { warm: true, limit: 0 }).catch(() => null);
    },

    /// Whether a check is running or waiting.
    get busy() {
      return Boolean(busy || waiting);
    },
  };
}
