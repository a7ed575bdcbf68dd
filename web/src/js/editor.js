// The editor: a textarea over a backdrop that shows line numbers, the lines
// with findings and the marked line. It owns the text and the mark; it knows
// nothing about checking.
//
// A browser lays out the whole of a textarea's text, in one go, on the page's
// thread: seconds per megabyte on a slow machine, minutes for a 50 MB paste.
// So a text longer than LARGE_TEXT_CHARS is kept here, not in the textarea,
// and shown read-only a window of lines at a time (the window follows the
// scroll and the marked line); it is still checked whole. The line numbers
// are drawn only for the lines in view, whatever the size.

// The textarea's top padding (style.css), where line 1 starts.
const PAD_TOP = 8;
export const LARGE_TEXT_CHARS = 1000000;
// A large text's window: this many lines, each cut at LINE_CHARS.
export const WINDOW_LINES = 2000;
const LINE_CHARS = 2000;
// Line numbers drawn above and below the visible ones.
const OVERSCAN = 40;

function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function countLines(text) {
  let count = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/// `elements`: {input, editor, gutter, marks, largeNotice, largeMessage,
/// editWhole}. `onEdit()` after each edit by the user (typing, a paste,
/// "edit the whole text"), not after `load`.
export function createEditor(elements, { onEdit }) {
  const { input, editor, gutter, marks, largeNotice, largeMessage, editWhole } = elements;
  let markedLine = 0;
  // Lines in the textarea.
  let lineCount = 1;
  // line -> 'error' | 'warning', for the marks beside the text.
  let findingLines = new Map();
  // A large text: {text, starts, first}: the whole text, where its lines
  // start, and the 0-based line the textarea's window starts at.
  let large = null;
  let drawnGutter = '';

  function lineHeight() {
    const value = parseFloat(getComputedStyle(input).lineHeight);
    return Number.isFinite(value) && value > 0 ? value : 20;
  }

  // The line (1-based, of the whole text) of the textarea's first line.
  const offset = () => (large ? large.first : 0);
  const totalLines = () => (large ? large.starts.length : lineCount);

  function renderGutter() {
    const lh = lineHeight();
    const top = input.scrollTop;
    const firstVisible = Math.max(0, Math.floor((top - PAD_TOP) / lh));
    const from = Math.max(0, firstVisible - OVERSCAN);
    const to = Math.min(lineCount, firstVisible + Math.ceil(input.clientHeight / lh) + 1 + OVERSCAN);
    const key = from + ':' + to + ':' + offset() + ':' + totalLines();
    if (key !== drawnGutter) {
      drawnGutter = key;
      const numbers = new Array(Math.max(0, to - from));
      for (let i = from; i < to; i++) numbers[i - from] = i + 1 + offset();
      gutter.textContent = numbers.join('\n');
      gutter.style.minWidth = 'max(3.2em, ' + String(totalLines()).length + 'ch)';
    }
    gutter.style.transform = 'translateY(' + (from * lh - top) + 'px)';
  }

  function syncScroll() {
    renderGutter();
    marks.style.transform = 'translateY(' + -input.scrollTop + 'px)';
  }

  function renderMarks() {
    marks.textContent = '';
    const lh = lineHeight();
    const add = (line, className, id) => {
      const local = line - 1 - offset();
      if (local < 0 || local >= lineCount) return;
      const mark = document.createElement('div');
      mark.className = className;
      if (id) mark.id = id;
      mark.dataset.line = String(line);
      mark.style.top = PAD_TOP + local * lh + 'px';
      marks.append(mark);
    };
    for (const [line, severity] of findingLines) add(line, 'mark finding-' + severity);
    if (markedLine > 0) {
      add(markedLine, 'mark current', 'line-mark');
      editor.dataset.markedLine = String(markedLine);
    } else {
      delete editor.dataset.markedLine;
    }
    syncScroll();
  }

  // Shows the large text's lines from `first` (0-based) in the textarea.
  function showWindow(first) {
    const { text, starts } = large;
    large.first = Math.max(0, Math.min(first, starts.length - WINDOW_LINES));
    const end = Math.min(starts.length, large.first + WINDOW_LINES);
    const lines = new Array(end - large.first);
    for (let i = large.first; i < end; i++) {
      const stop = i + 1 < starts.length ? starts[i + 1] - 1 : text.length;
      const line = text.slice(starts[i], Math.min(stop, starts[i] + LINE_CHARS));
      lines[i - large.first] = stop - starts[i] > LINE_CHARS ? line + ' …' : line;
    }
    input.value = lines.join('\n');
    lineCount = lines.length;
    editor.dataset.firstLine = String(large.first + 1);
    largeMessage.textContent = 'This text is too large to edit here without freezing the page (' +
      (text.length / 1e6).toFixed(1) + ' million characters, ' + starts.length.toLocaleString('en') + ' lines): it is checked whole and shown read-only, lines ' +
      (large.first + 1).toLocaleString('en') + '–' + end.toLocaleString('en') + ' for now; scroll or click a finding for others.';
  }

  function setText(text) {
    markedLine = 0;
    if (text.length > LARGE_TEXT_CHARS) {
      large = { text, starts: lineStarts(text), first: 0 };
      input.readOnly = true;
      largeNotice.hidden = false;
      editor.dataset.large = 'true';
      showWindow(0);
    } else {
      large = null;
      input.readOnly = false;
      largeNotice.hidden = true;
      delete editor.dataset.large;
      delete editor.dataset.firstLine;
      input.value = text;
      lineCount = countLines(text);
    }
    input.scrollTop = 0;
    input.scrollLeft = 0;
    renderMarks();
  }

  // Scrolling near either end of a large text's window moves the window.
  function followScroll() {
    if (!large) return;
    const lh = lineHeight();
    const near = 20 * lh;
    let shift = 0;
    if (input.scrollTop + input.clientHeight > input.scrollHeight - near && large.first + lineCount < large.starts.length) shift = WINDOW_LINES / 2;
    else if (input.scrollTop < near && large.first > 0) shift = -WINDOW_LINES / 2;
    if (shift === 0) return;
    const before = large.first;
    const top = input.scrollTop;
    showWindow(before + shift);
    input.scrollTop = top - (large.first - before) * lh;
    renderMarks();
  }

  input.addEventListener('input', () => {
    lineCount = countLines(input.value);
    // The marked line may have moved.
    if (markedLine > 0) {
      markedLine = 0;
      renderMarks();
    } else renderGutter();
    onEdit();
  });
  // A paste that makes the text large goes around the textarea. In a large
  // text, which is read-only, a paste replaces it.
  input.addEventListener('paste', (event) => {
    const pasted = event.clipboardData ? event.clipboardData.getData('text/plain') : '';
    let text;
    if (large) text = pasted;
    else if (input.value.length - (input.selectionEnd - input.selectionStart) + pasted.length > LARGE_TEXT_CHARS) {
      text = input.value.slice(0, input.selectionStart) + pasted + input.value.slice(input.selectionEnd);
    } else return;
    event.preventDefault();
    if (pasted === '') return;
    setText(text);
    onEdit();
  });
  input.addEventListener('scroll', () => {
    followScroll();
    syncScroll();
  });
  editWhole.addEventListener('click', () => {
    if (!large) return;
    const { text } = large;
    large = null;
    input.readOnly = false;
    largeNotice.hidden = true;
    delete editor.dataset.large;
    delete editor.dataset.firstLine;
    input.value = text;
    lineCount = countLines(text);
    markedLine = 0;
    renderMarks();
    onEdit();
  });
  window.addEventListener('resize', renderMarks);

  return {
    get text() {
      return large ? large.text : input.value;
    },
    get markedLine() {
      return markedLine;
    },

    /// Replaces the text (an example, a file, a link); the caller checks it.
    load(text, options) {
      setText(text);
      if (options && options.focus) {
        editor.scrollIntoView({ block: 'nearest' });
        input.focus({ preventScroll: true });
        input.setSelectionRange(0, 0);
      }
    },

    focus() {
      input.focus();
    },

    /// Shows which lines have findings (`[{line, severity}]`; an error wins).
    setFindings(findings) {
      findingLines = new Map();
      for (const f of findings) {
        if (f.line > 0 && findingLines.get(f.line) !== 'error') findingLines.set(f.line, f.severity);
      }
      renderMarks();
    },

    /// Marks a line of the text: highlights it, selects it and scrolls it
    /// into view. False if the text has no such line.
    markLine(line, options) {
      if (!(line >= 1 && line <= totalLines())) return false;
      if (large && (line - 1 < large.first || line - 1 >= large.first + lineCount)) {
        showWindow(line - 1 - Math.floor(WINDOW_LINES / 3));
      }
      markedLine = line;
      renderMarks();
      const local = line - 1 - offset();
      const text = input.value;
      const starts = lineStarts(text);
      const start = starts[local];
      const end = local + 1 < starts.length ? starts[local + 1] - 1 : text.length;
      if (options && options.focus) input.focus({ preventScroll: true });
      input.setSelectionRange(start, end, 'backward');
      input.scrollTop = Math.max(0, PAD_TOP + local * lineHeight() - input.clientHeight / 3);
      input.scrollLeft = 0;
      syncScroll();
      const box = editor.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) editor.scrollIntoView({ block: 'nearest' });
      return true;
    },

    clearMark() {
      if (markedLine === 0) return;
      markedLine = 0;
      renderMarks();
    },
  };
}
