// Works around a binaryen 108 (Debian 12's wasm-opt) bug: when a module has a
// funcref table and wasm-bindgen's externref table, wasm-opt writes the
// export `__wbindgen_externrefs` pointing at the funcref table, and the glue
// fails with "WebAssembly.Table.set(): Argument 1 is invalid for table".
// This points every table export of the optimised module back at a table of
// the type it had before wasm-opt. A module already right is left untouched.
//
//   node web/scripts/fix-table-exports.mjs BEFORE.wasm AFTER.wasm
import { readFileSync, writeFileSync } from 'node:fs';

function readLeb(bytes, pos) {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, pos];
}

function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sections(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const list = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, start] = readLeb(bytes, pos + 1);
    list.push({ id, start: pos, payload: bytes.subarray(start, start + size) });
    pos = start + size;
  }
  return list;
}

function skipLimits(bytes, pos) {
  const flags = bytes[pos++];
  [, pos] = readLeb(bytes, pos);
  if (flags & 1) [, pos] = readLeb(bytes, pos);
  return pos;
}

// Element types of the tables by index, imported tables first.
function tableTypes(list) {
  const types = [];
  for (const { id, payload } of list) {
    if (id === 2) {
      let [count, pos] = readLeb(payload, 0);
      for (let i = 0; i < count; i++) {
        let len;
        [len, pos] = readLeb(payload, pos);
        pos += len;
        [len, pos] = readLeb(payload, pos);
        pos += len;
        const kind = payload[pos++];
        if (kind === 0) [, pos] = readLeb(payload, pos);
        else if (kind === 1) {
          types.push(payload[pos++]);
          pos = skipLimits(payload, pos);
        } else if (kind === 2) pos = skipLimits(payload, pos);
        else if (kind === 3) pos += 2;
        else throw new Error('unknown import kind ' + kind);
      }
    }
    if (id === 4) {
      let [count, pos] = readLeb(payload, 0);
      for (let i = 0; i < count; i++) {
        const type = payload[pos++];
        if (type === 0x40 || type === 0x63 || type === 0x64) throw new Error('table encoding not handled');
        types.push(type);
        pos = skipLimits(payload, pos);
      }
    }
  }
  return types;
}

function exportsOf(list) {
  const section = list.find((s) => s.id === 7);
  if (!section) return { section: null, entries: [] };
  const { payload } = section;
  let [count, pos] = readLeb(payload, 0);
  const entries = [];
  for (let i = 0; i < count; i++) {
    let len;
    [len, pos] = readLeb(payload, pos);
    const name = payload.subarray(pos, pos + len);
    pos += len;
    const kind = payload[pos++];
    let index;
    [index, pos] = readLeb(payload, pos);
    entries.push({ name, kind, index });
  }
  return { section, entries };
}

export function fixTableExports(before, after) {
  const beforeList = sections(before);
  const beforeTypes = tableTypes(beforeList);
  const wanted = new Map();
  for (const e of exportsOf(beforeList).entries) {
    if (e.kind === 1) wanted.set(e.name.toString(), beforeTypes[e.index]);
  }
  const afterList = sections(after);
  const afterTypes = tableTypes(afterList);
  const { section, entries } = exportsOf(afterList);
  const fixed = [];
  for (const e of entries) {
    const type = wanted.get(e.name.toString());
    if (e.kind !== 1 || type === undefined || afterTypes[e.index] === type) continue;
    const candidates = afterTypes.flatMap((t, i) => (t === type ? [i] : []));
    if (candidates.length !== 1) throw new Error(`cannot tell which table export ${e.name} should name`);
    fixed.push(`${e.name}: table ${e.index} -> ${candidates[0]}`);
    e.index = candidates[0];
  }
  if (fixed.length === 0) return { bytes: after, fixed };
  const payload = [...leb(entries.length)];
  for (const e of entries) payload.push(...leb(e.name.length), ...e.name, e.kind, ...leb(e.index));
  const end = section.payload.byteOffset - after.byteOffset + section.payload.length;
  const bytes = Buffer.concat([
    after.subarray(0, section.start),
    Buffer.from([7, ...leb(payload.length), ...payload]),
    after.subarray(end),
  ]);
  return { bytes, fixed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [beforePath, afterPath] = process.argv.slice(2);
  const { bytes, fixed } = fixTableExports(readFileSync(beforePath), readFileSync(afterPath));
  if (fixed.length > 0) {
    writeFileSync(afterPath, bytes);
    console.log(`fix-table-exports: repaired wasm-opt's table exports (${fixed.join(', ')})`);
  }
}
