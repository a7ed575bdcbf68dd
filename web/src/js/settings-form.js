// The settings form (.promha.yaml), built from the JSON Schema of the
// settings that the wasm returns (`settingsSchema()`): one field per
// property, its kind, default, bounds and choices taken from the schema, so
// that the form follows the core's declarations. It reads the settings that
// differ from the defaults, shows a link's settings, and shows the checker's
// verdict on them as a .promha.yaml.
import { h, richText } from './dom.js';
import { toYaml } from './yaml.js';

const types = (schema) => [].concat(schema.type ?? []).filter((t) => t !== 'null');
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/// The widget for a property: choice (enum), number (integer), boolean,
/// list (array of strings), levels (an object whose properties are each an
/// enum: the rule levels), text (string), json (anything else).
export function fieldKind(schema) {
  const t = types(schema);
  if (Array.isArray(schema.enum)) return 'choice';
  if (t.includes('integer') || t.includes('number')) return 'number';
  if (t.includes('boolean')) return 'boolean';
  if (t.includes('array') && schema.items && types(schema.items).includes('string')) return 'list';
  if (t.includes('object') && isObject(schema.properties) && Object.values(schema.properties).every((p) => Array.isArray(p.enum))) return 'levels';
  if (t.includes('string')) return 'text';
  return 'json';
}

// Each field: {key, kind, node, read(), show(value)}. read() gives the value
// to write, or undefined for "not set" (the default applies); show(value)
// displays a value and says whether the field could show all of it.

function numberField(key, schema, id, hint) {
  const input = h('input', { id, type: 'number', inputmode: 'numeric', step: types(schema).includes('integer') ? 1 : 'any', min: schema.minimum, max: schema.maximum, placeholder: 'default' in schema ? String(schema.default) : 'not set', 'aria-describedby': hint, 'data-key': key });
  return {
    control: input,
    read() {
      const raw = input.value.trim();
      // A browser gives '' for text it cannot read as a number; say so to the checker.
      if (raw === '') return input.validity.badInput ? 'not a number' : undefined;
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    },
    show(value) {
      if (value === undefined || value === null) input.value = '';
      else if (typeof value === 'number') input.value = same(value, schema.default) ? '' : String(value);
      else return false;
      return true;
    },
  };
}

function booleanField(key, schema, id, hint) {
  const fallback = schema.default === true;
  const input = h('input', { id, type: 'checkbox', 'aria-describedby': hint, 'data-key': key, checked: fallback });
  return {
    control: input,
    read: () => ('default' in schema || input.checked ? input.checked : undefined),
    show(value) {
      if (value === undefined || value === null) input.checked = fallback;
      else if (typeof value === 'boolean') input.checked = value;
      else return false;
      return true;
    },
  };
}

function choiceField(key, schema, id, hint) {
  const choices = schema.enum.filter((v) => typeof v === 'string');
  const select = h('select', { id, 'aria-describedby': hint, 'data-key': key },
    'default' in schema ? null : h('option', { value: '', text: 'not set' }),
    choices.map((c) => h('option', { value: c, text: c })));
  const initial = 'default' in schema ? schema.default : '';
  return {
    control: select,
    read: () => (select.value === '' ? undefined : select.value),
    show(value) {
      if (value === undefined || value === null) select.value = initial;
      else if (choices.includes(value)) select.value = value;
      else {
        select.value = initial;
        return false;
      }
      return true;
    },
  };
}

function textField(key, schema, id, hint) {
  const input = h('input', { id, type: 'text', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', placeholder: typeof schema.default === 'string' ? schema.default : 'not set', 'aria-describedby': hint, 'data-key': key });
  return {
    control: input,
    read: () => (input.value.trim() === '' ? undefined : input.value.trim()),
    show(value) {
      if (value === undefined || value === null) input.value = '';
      else if (typeof value === 'string') input.value = value;
      else return false;
      return true;
    },
  };
}

// One item a line: items may hold commas and spaces (globs do).
function listField(key, schema, id, hint) {
  const placeholder = Array.isArray(schema.default) && schema.default.length > 0 ? schema.default.join('\n') : 'none';
  const rows = Math.min(4, Math.max(2, Array.isArray(schema.default) ? schema.default.length : 0));
  const area = h('textarea', { id, rows, spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', placeholder, 'aria-describedby': hint, 'data-key': key });
  return {
    control: area,
    read() {
      const items = area.value.split('\n').map((s) => s.trim()).filter((s) => s !== '');
      return items.length === 0 ? undefined : items;
    },
    show(value) {
      if (value === undefined || value === null) area.value = '';
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string' && !v.includes('\n') && v.trim() === v && v !== '')) {
        area.value = same(value, schema.default) ? '' : value.join('\n');
      } else return false;
      return true;
    },
  };
}

// Anything the other kinds do not cover, as JSON text.
function jsonField(key, schema, id, hint) {
  const input = h('input', { id, type: 'text', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', placeholder: 'default' in schema ? JSON.stringify(schema.default) : 'not set (JSON)', 'aria-describedby': hint, 'data-key': key });
  return {
    control: input,
    read() {
      const raw = input.value.trim();
      if (raw === '') return undefined;
      try {
        return JSON.parse(raw);
      } catch (error) {
        return raw;
      }
    },
    show(value) {
      input.value = value === undefined || value === null ? '' : JSON.stringify(value);
      return true;
    },
  };
}

/// `severities`: id -> the rule's default severity, for the "default" choice.
function levelsField(key, schema, id, hint, severities) {
  const selects = Object.entries(schema.properties).map(([name, property]) => {
    const severity = severities.get(name);
    return h('select', { id: 'level-' + name, 'data-key': key, 'data-rule': name },
      h('option', { value: '', text: severity ? 'default (' + severity + ')' : 'default' }),
      property.enum.filter((v) => typeof v === 'string').map((level) => h('option', { value: level, text: level })));
  });
  const control = h('div', { id, class: 'levels', 'aria-describedby': hint },
    selects.map((select) => h('label', { for: select.id }, h('code', { text: select.dataset.rule }), select)));
  return {
    control,
    read() {
      const levels = {};
      for (const select of selects) if (select.value !== '') levels[select.dataset.rule] = select.value;
      return Object.keys(levels).length === 0 ? undefined : levels;
    },
    show(value) {
      const levels = isObject(value) ? value : {};
      for (const select of selects) {
        const level = levels[select.dataset.rule];
        select.value = [...select.options].some((o) => o.value === level && level !== '') ? level : '';
      }
      if (value === undefined || value === null) return true;
      return isObject(value) && Object.entries(value).every(([name, level]) => selects.some((s) => s.dataset.rule === name && s.value === level));
    },
  };
}

const MAKERS = { number: numberField, boolean: booleanField, choice: choiceField, text: textField, list: listField, json: jsonField };

function makeField(key, schema, severities) {
  const kind = fieldKind(schema);
  const id = 's-' + key;
  const hintId = id + '-hint';
  const name = h('code', { text: key });
  const hint = h('span', { class: 'hint', id: hintId }, richText(schema.description || ''), kind === 'list' ? ' (one a line)' : null);
  if (kind === 'levels') {
    const widget = levelsField(key, schema, id, hintId, severities);
    return { key, kind, ...widget, node: h('fieldset', { class: 'rule-levels', 'data-kind': kind }, h('legend', {}, name), h('p', { class: 'help' }, hint), widget.control) };
  }
  const widget = MAKERS[kind](key, schema, id, hintId);
  const node = kind === 'boolean'
    ? h('div', { class: 'field check', 'data-kind': kind, 'data-deprecated': schema.deprecated }, h('label', { class: 'check', for: id }, widget.control, name), hint)
    : h('div', { class: 'field', 'data-kind': kind, 'data-deprecated': schema.deprecated }, h('label', { for: id }, name), widget.control, hint);
  return { key, kind, ...widget, node };
}

/// `elements`: {form, fields, panel, error, badge, yaml, yamlBox, reset}.
/// `schema`: the settings' JSON Schema; `rules`: the rule catalogue.
/// `onChange({now})` after each edit: `now` when the edit is complete (a
/// select, a checkbox, leaving a field, reset), else while typing.
export function createSettingsForm(elements, { schema, rules, onChange }) {
  const { form, fields: container, panel, error: errorBox, badge, yaml, yamlBox, reset } = elements;
  const properties = isObject(schema && schema.properties) ? schema.properties : {};
  const severities = new Map(rules.map((r) => [r.id, r.severity]));
  const fields = Object.entries(properties).map(([key, property]) => makeField(key, property, severities));
  const byKey = new Map(fields.map((f) => [f.key, f]));
  // Values (from a link) that the form cannot show: unknown keys, values of
  // the wrong type or out of the choices. Kept, so that the checker reports
  // them, until their field is edited or the form reset.
  let extra = {};

  container.textContent = '';
  const grid = h('div', { class: 'fields' });
  container.append(grid);
  for (const field of fields) (field.kind === 'levels' ? container : grid).append(field.node);

  /// The settings that differ from the defaults, by the schema's key order.
  function current() {
    const settings = {};
    for (const field of fields) {
      const value = field.key in extra ? extra[field.key] : field.read();
      if (value !== undefined && !same(value, properties[field.key].default)) settings[field.key] = value;
    }
    for (const [key, value] of Object.entries(extra)) if (!byKey.has(key)) settings[key] = value;
    return settings;
  }

  function apply(settings) {
    const s = isObject(settings) ? settings : {};
    extra = {};
    for (const field of fields) {
      if (!field.show(s[field.key])) extra[field.key] = s[field.key];
    }
    for (const [key, value] of Object.entries(s)) if (!byKey.has(key)) extra[key] = value;
    if (Object.keys(s).length > 0) panel.open = true;
  }

  const edited = (event) => {
    const control = event.target.closest('[data-key]');
    if (control) delete extra[control.dataset.key];
  };
  form.addEventListener('input', (event) => {
    edited(event);
    onChange({ now: false });
  });
  form.addEventListener('change', (event) => {
    edited(event);
    onChange({ now: true });
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  reset.addEventListener('click', () => {
    apply({});
    onChange({ now: true });
  });

  return {
    current,
    apply,
    /// The keys the form has a field for, in order.
    keys: fields.map((f) => f.key),

    /// Shows the settings as a .promha.yaml, and the checker's error if any.
    showVerdict(settings, error) {
      const changed = Object.keys(settings).length > 0;
      badge.hidden = !changed;
      yamlBox.hidden = !changed;
      yaml.textContent = toYaml(settings);
      errorBox.textContent = '';
      errorBox.hidden = !error;
      if (error) {
        errorBox.append(h('strong', { text: 'Invalid settings' }), h('ul', {}, (error.problems || [error.error]).map((p) => h('li', {}, richText(p)))));
      }
    },

    /// Opens the panel on the error, from the findings pane.
    reveal() {
      panel.open = true;
      panel.scrollIntoView({ block: 'start' });
      errorBox.focus({ preventScroll: true });
    },
  };
}
