// Build: regenerate ISA/layout tables, compile the AssemblyScript core to wasm, compile TypeScript.
import { mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import { root, run, ensureNodeModules, findFiles } from './lib.mjs';

ensureNodeModules();
run(process.execPath, ['tools/gen-layout.mjs']);
run(process.execPath, ['tools/gen-isa.mjs']);
mkdirSync(join(root, 'build'), { recursive: true });
run(process.execPath, [
  'node_modules/assemblyscript/bin/asc.js', 'src/cpu/assembly/index.ts',
  '-o', 'build/core.wasm', '--textFile', 'build/core.wat',
  '--runtime', 'stub', '-O3', '--noAssert', '--enable', 'threads',
  '--importMemory', '--sharedMemory', '--initialMemory', '1024', '--maximumMemory', '65536',
  '--memoryBase', '65536',
  // The JIT tier's translated functions are installed in the imported table and reached by call_indirect.
  '--importTable',
  // AS201: usize→u32 conversions; the core is built for wasm32 only (addresses are u32 by design).
  '--disableWarning', '201',
]);
// Stand-alone wasm modules for unit-testing parts of the core (e.g. the soft-float library).
for (const f of findFiles(join(root, 'src/cpu/assembly/test-entries'), /\.ts$/)) {
  const name = basename(f, '.ts');
  run(process.execPath, ['node_modules/assemblyscript/bin/asc.js', f, '-o', `build/${name}.wasm`,
    '--runtime', 'stub', '-O3', '--noAssert', '--initialMemory', '16', '--memoryBase', '65536']);
}
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
// The balloon's madvise helper (optional: prints a note and carries on when tools are missing).
run(process.execPath, ['scripts/build-native.mjs']);
