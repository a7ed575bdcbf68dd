// Writes the settings as a .promha.yaml for the CLI.

const PLAIN = /^[A-Za-z_][\w./-]*$/;
// Plain scalars YAML 1.1 readers take for something other than a string.
const RESERVED = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n', '~']);

/// A string as a YAML scalar: plain when that reads back as the same
/// string, else double-quoted (JSON's quoting is valid YAML).
export function yamlString(value) {
  return PLAIN.test(value) && !RESERVED.has(value.toLowerCase()) ? value : JSON.stringify(value);
}

function scalar(value) {
  return typeof value === 'string' ? yamlString(value) : JSON.stringify(value);
}

function block(value, indent) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.length === 0 ? ' []' : value.map((v) => '\n' + pad + '- ' + block(v, indent + 2).trimStart()).join('');
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? ' {}' : keys.map((k) => '\n' + pad + yamlString(k) + ':' + block(value[k], indent + 2)).join('');
  }
  return ' ' + scalar(value);
}

/// A JSON-like value as block YAML, ending with a newline ('' for `{}`).
export function toYaml(value) {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return '';
  return block(value, 0).trimStart() + '\n';
}
