// `npm run bench <name> [args]` / `npm run bench:<name>`: builds if needed, then runs dist/bench/<name>.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from './lib.mjs';

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error('usage: npm run bench <name> [args]   (names: files in bench/*.ts, e.g. cpu, boot)');
  process.exit(2);
}
run(process.execPath, ['scripts/build.mjs']);
const file = join(root, 'dist', 'bench', `${name}.js`);
if (!existsSync(file)) { console.error(`hv: no benchmark named ${name} (bench/${name}.ts)`); process.exit(2); }
run(process.execPath, [file, ...args]);
