/** Loads and compiles the wasm CPU core (build/core.wasm) once per process. */
import { readFileSync } from 'node:fs';
import { buildFile } from '../base/paths.js';

let compiled: WebAssembly.Module | undefined;

export function coreModule(): WebAssembly.Module {
  if (compiled === undefined) {
    let bytes: Buffer;
    try { bytes = readFileSync(buildFile('core.wasm')); }
    catch { throw new Error('hv: the CPU core is not built (build/core.wasm missing); run `npm run build`'); }
    compiled = new WebAssembly.Module(new Uint8Array(bytes));
  }
  return compiled;
}
