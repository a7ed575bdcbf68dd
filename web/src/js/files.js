// Opening files: the file picker and drag and drop. Several files become one
// text, each after a `# file:` comment, separated by `---`.
import { plural } from './dom.js';

async function readFiles(fileList) {
  const files = Array.from(fileList || []);
  if (files.length === 0) return null;
  const texts = await Promise.all(files.map((f) => f.text()));
  const text = files.length === 1
    ? texts[0]
    : texts.map((t, i) => '# file: ' + files[i].name + '\n' + (t.endsWith('\n') ? t : t + '\n')).join('---\n');
  return { text, label: files.length === 1 ? files[0].name : plural(files.length, 'file') };
}

function hasFiles(event) {
  return event.dataTransfer && Array.from(event.dataTransfer.types || []).includes('Files');
}

/// `elements`: {editor, button, input}. `onText(text, label)` with the
/// files' text; `onError(message)` if they cannot be read.
export function setupFiles(elements, { onText, onError }) {
  const { editor, button, input } = elements;
  const load = async (fileList) => {
    try {
      const read = await readFiles(fileList);
      if (read) onText(read.text, read.label);
    } catch (error) {
      onError('Cannot read the file: ' + String(error));
    }
  };
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    load(input.files);
    input.value = '';
  });
  let depth = 0;
  window.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    depth++;
    editor.classList.add('dragging');
  });
  window.addEventListener('dragleave', (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) editor.classList.remove('dragging');
  });
  window.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    editor.classList.remove('dragging');
    load(event.dataTransfer.files);
  });
}
