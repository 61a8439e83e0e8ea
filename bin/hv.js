#!/usr/bin/env node
// hv command-line entry point. The TypeScript sources are compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('hv: not built yet; run `npm run build` (or `npm start`) first');
  process.exit(2);
}
await import(main.href);
