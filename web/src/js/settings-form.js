// The settings form (.promha.yaml): reads the settings that differ from the
// defaults, shows a link's settings, and shows the checker's verdict on them.
import { h, richText } from './dom.js';
import { toYaml } from './yaml.js';

const NUMBER_KEYS = ['minReplicas', 'alertmanagerMinReplicas'];
const LIST_KEYS = ['replicaLabels', 'exemptNamespaces'];
const BOOL_KEYS = ['podDisruptionBudget', 'allowIgnoreAnnotation'];
const FORM_KEYS = [...NUMBER_KEYS, 'antiAffinity', 'topologyKey', ...LIST_KEYS, ...BOOL_KEYS, 'rules'];
const LEVELS = ['off', 'warning', 'error'];

function splitList(text) {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}

function sameList(a, b) {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
}

/// `elements`: {form, panel, error, badge, yaml, yamlBox, ruleLevels, reset}.
/// `rules`: the catalogue; `defaults`: every setting's default.
/// `onChange({now})` after each edit: `now` when the edit is complete (a
/// select, a checkbox, reset), else while typing.
export function createSettingsForm(elements, { rules, defaults, onChange }) {
  const { form, panel, error: errorBox, badge, yaml, yamlBox, ruleLevels, reset } = elements;
  const field = (key) => form.elements.namedItem(key);
  // Settings from a link that the form cannot show; kept (so that their
  // error is reported) until the form is edited.
  let extra = {};

  ruleLevels.textContent = '';
  for (const rule of rules) {
    const id = 'level-' + rule.id;
    ruleLevels.append(h('label', { for: id }, h('code', { text: rule.id }),
      h('select', { id, 'data-rule': rule.id },
        h('option', { value: '', text: 'default (' + rule.severity + ')' }),
        LEVELS.map((level) => h('option', { value: level, text: level })))));
  }

  function current() {
    const d = defaults;
    const s = {};
    for (const key of NUMBER_KEYS) {
      const input = field(key);
      const raw = input.value.trim();
      if (raw === '') {
        if (input.validity && input.validity.badInput) s[key] = 'not a number';
        continue;
      }
      const n = Number(raw);
      const value = Number.isFinite(n) ? n : raw;
      if (value !== d[key]) s[key] = value;
    }
    if (field('antiAffinity').value !== (d.antiAffinity || 'preferred')) s.antiAffinity = field('antiAffinity').value;
    const key = field('topologyKey').value.trim();
    if (key !== '' && key !== d.topologyKey) s.topologyKey = key;
    for (const name of LIST_KEYS) {
      const raw = field(name).value.trim();
      if (raw === '') continue;
      const list = splitList(raw);
      if (!sameList(list, d[name])) s[name] = list;
    }
    for (const name of BOOL_KEYS) {
      const checked = field(name).checked;
      if (checked !== (d[name] !== false)) s[name] = checked;
    }
    const levels = {};
    for (const select of ruleLevels.querySelectorAll('select')) {
      if (select.value !== '') levels[select.dataset.rule] = select.value;
    }
    if (Object.keys(levels).length > 0) s.rules = levels;
    return Object.assign({}, extra, s);
  }

  function apply(settings) {
    const s = settings && typeof settings === 'object' && !Array.isArray(settings) ? settings : {};
    const d = defaults;
    for (const key of NUMBER_KEYS) {
      field(key).value = key in s && s[key] !== null && s[key] !== d[key] ? String(s[key]) : '';
    }
    field('antiAffinity').value = s.antiAffinity === 'required' ? 'required' : 'preferred';
    field('topologyKey').value = typeof s.topologyKey === 'string' ? s.topologyKey : '';
    for (const key of LIST_KEYS) {
      field(key).value = Array.isArray(s[key]) ? s[key].join(', ') : '';
    }
    for (const key of BOOL_KEYS) {
      field(key).checked = key in s ? s[key] !== false : d[key] !== false;
    }
    const levels = s.rules && typeof s.rules === 'object' ? s.rules : {};
    for (const select of ruleLevels.querySelectorAll('select')) {
      const level = levels[select.dataset.rule];
      select.value = LEVELS.includes(level) ? level : '';
    }
    const kept = {};
    for (const [key, value] of Object.entries(s)) {
      if (!FORM_KEYS.includes(key)) kept[key] = value;
    }
    if (s.antiAffinity !== undefined && s.antiAffinity !== 'required' && s.antiAffinity !== 'preferred') kept.antiAffinity = s.antiAffinity;
    if (s.rules !== undefined && (typeof s.rules !== 'object' || s.rules === null || Array.isArray(s.rules))) kept.rules = s.rules;
    else {
      const unknown = Object.entries(levels).filter(([id, level]) => !rules.some((r) => r.id === id) || !LEVELS.includes(level));
      if (unknown.length > 0) kept.rules = levels;
    }
    extra = kept;
    if (Object.keys(s).length > 0) panel.open = true;
  }

  // Once the form is edited, it is the truth for every setting it shows.
  const edited = () => {
    for (const key of FORM_KEYS) delete extra[key];
  };
  form.addEventListener('input', () => {
    edited();
    onChange({ now: false });
  });
  form.addEventListener('change', () => {
    edited();
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
