/**
 * `npm run bench:cpu [-- --runs N] [--no-qemu]`: guest MIPS of the CPU core on three bare-metal programs
 * (integer loop, memcpy-like loop, quicksort), median of N runs each, with the JIT tier (hot self-loops
 * translated to wasm, src/cpu/jit) and with the interpreter alone, with the TLB on (the programs run in
 * M-mode, whose loads/stores go through the same TLB fast path as any other mode). For reference, the same
 * ELFs run under QEMU's TCG (spike machine, HTIF exit) in the same invocation: QEMU's time is its whole
 * process wall time, so its figure includes start-up.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { buildBenchGuests } from '../tests/isa/build.js';
import { VirtMachine } from '../src/machine/virt/machine.js';
import { runMachine } from '../src/vm/runner.js';
import { median, report, table } from './report.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
const withQemu = !args.includes('--no-qemu') && spawnSync('sh', ['-c', 'command -v qemu-system-riscv64']).status === 0;

async function hvRun(elf: Uint8Array, name: string, jit: boolean): Promise<{ instret: number; seconds: number }> {
  const m = new VirtMachine({ ramSize: 64 << 20, harts: 1, boot: { kind: 'bare', kernel: { data: elf, name } }, console: { write: () => {} }, jit });
  const t0 = performance.now();
  const r = await runMachine(m, { timeoutMs: 120_000, sliceBudget: 1_000_000 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.kind !== 'poweroff') throw new Error(`${name}: guest did not pass (${JSON.stringify(r)})`);
  return { instret: Number(m.core.instret(0)), seconds };
}

function qemuRun(path: string): number {
  const t0 = performance.now();
  const r = spawnSync('qemu-system-riscv64', ['-M', 'spike', '-bios', 'none', '-kernel', path, '-nographic', '-monitor', 'none', '-serial', 'none'], { timeout: 120_000 });
  if (r.status !== 0) throw new Error(`qemu failed on ${path}`);
  return (performance.now() - t0) / 1000;
}

const programs = await buildBenchGuests();
const results = [];
for (const p of programs) {
  const elf = new Uint8Array(readFileSync(p.elf));
  const name = p.id.replace("bench/", "");
  await hvRun(elf, name, true); // warm-up (wasm tier-up, block cache)
  await hvRun(elf, name, false);
  const hv: number[] = [];
  const interp: number[] = [];
  const qemu: number[] = [];
  let instret = 0;
  for (let i = 0; i < runs; i++) {
    const r = await hvRun(elf, name, true);
    instret = r.instret;
    hv.push(r.instret / r.seconds / 1e6);
    const ri = await hvRun(elf, name, false);
    if (ri.instret !== r.instret) throw new Error(`${name}: ${ri.instret} instructions interpreted, ${r.instret} with the JIT`);
    interp.push(ri.instret / ri.seconds / 1e6);
    if (withQemu) qemu.push(r.instret / qemuRun(p.elf) / 1e6);
  }
  results.push({
    program: p.id.replace("bench/", ""), instructions: instret, runs,
    hvMips: Math.round(median(hv) * 10) / 10, hvMipsAll: hv.map((x) => Math.round(x)),
    interpreterMips: Math.round(median(interp) * 10) / 10,
    ...(withQemu ? { qemuMips: Math.round(median(qemu) * 10) / 10 } : {}),
  });
}
report(
  { benchmark: 'cpu', unit: 'MIPS (million guest instructions per second)', target: { program: 'intloop', minMips: 300 }, results },
  table(['program', 'instructions', 'hv MIPS', 'hv interpreter only', ...(withQemu ? ['QEMU TCG MIPS'] : [])],
    results.map((r) => [r.program, r.instructions, r.hvMips.toFixed(1), r.interpreterMips.toFixed(1), ...(withQemu ? [String(r.qemuMips?.toFixed(1))] : [])])),
);
