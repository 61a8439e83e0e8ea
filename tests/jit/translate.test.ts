/**
 * The JIT tier against the interpreter: random self-loops (integer ops, RVC, aligned and misaligned loads
 * and stores, AMOs, LR/SC, sstatus CSR ops, x0 as destination, several closing branches, random slice
 * budgets) run on two cores, one
 * with the JIT and one without; registers, pc, instret, trap CSRs and data memory must be identical.
 * Directed cases check precise exceptions in the middle of a translated loop and self-modifying code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Core, ExitReason } from '../../src/cpu/host/core.js';
import { coreModule } from '../../src/backends/core-wasm.js';
import { MmioBus } from '../../src/bus/mmio.js';
import * as L from '../../src/layout/gen/layout.js';
import { isSelfLoop, translatedOps } from '../../src/cpu/jit/translate.js';
import { JitTier, jitTier } from '../../src/cpu/jit/tier.js';
import { prng } from '../fakes/prng.js';

const RAM = 32 * 1024 * 1024;
const BASE = 0x8000_0000;
const CODE = BASE;
const HANDLER = BASE + 0x800;
const DATA = BASE + 0x1_0000; // 64 KiB of data, x5 points into the middle
const DATA_LEN = 0x1_0000;

// Three cores: the interpreter alone, the JIT as a VM uses it (regions compiled in batches), and the JIT
// compiling every region as soon as it is asked (so short programs run translated).
const core = (jit?: ConstructorParameters<typeof Core>[0]['jit']): Core => new Core({ ramSize: RAM, harts: 1, mmio: new MmioBus(), module: coreModule(), jit });
const cores = { interp: core(), jit: core(jitTier), eager: core((m, p, b) => new JitTier(m, p, b, { flushMs: 0 })) };

// ---- a tiny RV64 encoder (unprivileged ISA §2.2 base formats, §16.2 RVC) ----
const R = (f7: number, rs2: number, rs1: number, f3: number, rd: number, opc: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
const I = (imm: number, rs1: number, f3: number, rd: number, opc: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
const S = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0;
const B = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
/**
 * Programs end (and the trap handler stops) with WFI: run() returns there, so the instructions retired are
 * exact. A `j .` would spin for whatever is left of the slice, and where slices end depends on block
 * boundaries, which the JIT moves (it leaves a block before an op it does not translate).
 */
const STOP = 0x10500073; // wfi
const cAddi = (rd: number, imm: number): number => (((imm >> 5) & 1) << 12) | (rd << 7) | ((imm & 0x1f) << 2) | 0x1;
const cAdd = (rd: number, rs2: number): number => (0b1001 << 12) | (rd << 7) | (rs2 << 2) | 0x2;

/** A program: halfword-aligned code bytes. */
class Asm {
  readonly bytes: number[] = [];
  get pc(): number { return this.bytes.length; }
  w(insn: number): this { for (let i = 0; i < 4; i++) this.bytes.push((insn >>> (8 * i)) & 0xff); return this; }
  h(insn: number): this { this.bytes.push(insn & 0xff, (insn >> 8) & 0xff); return this; }
}


// x5: data pointer, x6: loop counter, x8: constant 1; the body writes x7, x9..x15 (and x0).
const DEST = [0, 7, 9, 10, 11, 12, 13, 14, 15];
const SRC = [0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

function randomLoop(rand: () => number): Asm {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const a = new Asm();
  // Up to 45 ops: bodies longer than the decoder's 30-op blocks are joined from two blocks.
  randomOps(a, rand, 1 + Math.floor(rand() * (rand() < 0.7 ? 18 : 45)));
  if (rand() < 0.7) a.w(I(pick([0, 8, 16, 24]), 5, 0, 5, 0x13)); // advance the pointer
  a.w(I(-1, 6, 0, 6, 0x13)); // addi x6, x6, -1
  const back = -a.pc;
  const closing = pick([B(back, 0, 6, 1), B(back, 6, 0, 4), B(back, 6, 0, 6), B(back, 8, 6, 5)]); // bne, blt, bltu, bge
  a.w(closing);
  a.w(STOP);
  return a;
}

/**
 * A loop whose blocks are not self-loops: a forward conditional branch, a call (JAL) and a return (JALR),
 * and a backward branch to a different block:
 *   top: ops; b<cond> skip; ops; jal x1, func; skip: ops; addi x6,x6,-1; bne x6,x0,top; end: j end
 *   func: ops; jalr x0, 0(x1)
 */
function randomBranches(rand: () => number): Asm {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const frag = (): Asm => { const f = new Asm(); randomOps(f, rand, Math.floor(rand() * 8), true); return f; };
  const [b1, b2, b3, b4] = [frag(), frag(), frag(), frag()];
  const a = new Asm();
  a.bytes.push(...b1.bytes);
  const condAt = a.pc;
  const skip = condAt + 4 + b2.pc + 4;
  const [f3] = [pick([0, 1, 4, 5, 6, 7])];
  a.w(B(skip - condAt, pick(SRC), pick(SRC), f3));
  a.bytes.push(...b2.bytes);
  const jalAt = a.pc;
  const end = skip + b3.pc + 8;
  const func = end + 4;
  const jimm = func - jalAt;
  a.w((((jimm >> 20) & 1) << 31 | ((jimm >> 1) & 0x3ff) << 21 | ((jimm >> 11) & 1) << 20 | ((jimm >> 12) & 0xff) << 12 | 1 << 7 | 0x6f) >>> 0);
  a.bytes.push(...b3.bytes);
  a.w(I(-1, 6, 0, 6, 0x13));
  a.w(B(-a.pc, 0, 6, 1));
  a.w(STOP);
  a.bytes.push(...b4.bytes);
  a.w(I(0, 1, 0, 0, 0x67)); // jalr x0, 0(x1)
  return a;
}

/**
 * Appends `ops` random instructions. `csrOps`: sstatus CSR ops too; they end decoded blocks, so the
 * self-loops leave them out (a loop of several blocks warms up like any block, longer than those loops run).
 */
function randomOps(a: Asm, rand: () => number, ops: number, csrOps = false): void {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  for (let i = 0; i < ops; i++) {
    const rd = pick(DEST), rs1 = pick(SRC), rs2 = pick(SRC);
    const imm = Math.floor(rand() * 4096) - 2048;
    const k = Math.floor(rand() * (csrOps ? 15 : 14));
    if (k === 0) a.w(R(pick([0, 0x20]), rs2, rs1, 0, rd, 0x33)); // add/sub
    else if (k === 1) {
      const v = pick([[0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0x20, 5], [0, 6], [0, 7]] as const); // sll slt sltu xor srl sra or and
      a.w(R(v[0], rs2, rs1, v[1], rd, 0x33));
    }
    else if (k === 2) {
      // addw/subw/mulw, sllw/srlw/sraw: valid funct7/funct3 pairs
      const v = pick([[0, 0], [0x20, 0], [1, 0], [0, 1], [0, 5], [0x20, 5]] as const);
      a.w(R(v[0], rs2, rs1, v[1], rd, 0x3b));
    }
    else if (k === 3) a.w(I(imm, rs1, pick([0, 2, 3, 4, 6, 7]), rd, 0x13)); // addi slti sltiu xori ori andi
    else if (k === 4) {
      const sh = Math.floor(rand() * 64), f = pick([[1, 0], [5, 0], [5, 0x400]] as const); // slli srli srai
      a.w(I(f[1] | sh, rs1, f[0], rd, 0x13));
    } else if (k === 5) {
      const sh = Math.floor(rand() * 32), f = pick([[0, -1], [1, 0], [5, 0], [5, 0x400]] as const); // addiw slliw srliw sraiw
      a.w(f[1] < 0 ? I(imm, rs1, 0, rd, 0x1b) : I(f[1] | sh, rs1, f[0], rd, 0x1b));
    } else if (k === 6) a.w(((Math.floor(rand() * 0x100000) << 12) | (rd << 7) | pick([0x37, 0x17])) >>> 0); // lui/auipc
    else if (k === 7) a.w(R(1, rs2, rs1, 0, rd, 0x33)); // mul
    else if (k === 8 || k === 9) {
      // A load from x5 + offset; mostly aligned, sometimes not (emulated by the interpreter's slow path).
      const f3 = pick([0, 1, 2, 3, 4, 5, 6]);
      const size = 1 << (f3 & 3);
      const off = (Math.floor(rand() * 512) - 256) * 8 + (rand() < 0.1 ? 1 : 0) * Math.floor(rand() * size);
      a.w(I(off, 5, f3, rd, 0x03));
    } else if (k === 10) {
      const f3 = pick([0, 1, 2, 3]);
      const off = (Math.floor(rand() * 512) - 256) * 8 + (rand() < 0.1 ? Math.floor(rand() * 8) : 0);
      a.w(S(off, rs2, 5, f3));
    } else if (k === 12) {
      // An AMO (A extension §8.4) at x5 + a multiple of 8 set up in x15; rarely misaligned (the interpreter
      // then raises the exception).
      const size = pick([2, 3]); // .w .d
      const off = (Math.floor(rand() * 64) - 32) * 8 + (rand() < 0.03 ? pick([1, 2, 4]) : 0);
      a.w(I(off, 5, 0, 15, 0x13)); // addi x15, x5, off
      const funct5 = pick([0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c]); // add swap xor or and min max minu maxu
      a.w(R((funct5 << 2) | Math.floor(rand() * 4), rs2, 15, size, rd, 0x2f));
    } else if (k === 13) {
      // LR, then usually an SC (A extension §8.2) to the same address — or, sometimes, to the next word or
      // with another op in between; at x5 + a multiple of 8 set up in x15, rarely misaligned.
      const size = pick([2, 3]); // .w .d
      const off = (Math.floor(rand() * 64) - 32) * 8 + (rand() < 0.03 ? pick([1, 2, 4]) : 0);
      const lrd = pick(DEST.slice(0, -1)); // not x15, the address
      a.w(I(off, 5, 0, 15, 0x13)); // addi x15, x5, off
      a.w(R(0x02 << 2, 0, 15, size, lrd, 0x2f)); // lr
      if (rand() < 0.3) a.w(I(imm, rs1, 0, rd === 15 ? 7 : rd, 0x13)); // addi in between (never x15)
      if (rand() < 0.85) a.w(R(0x03 << 2, rs2, 15, size, rd, 0x2f)); // sc
      if (rand() < 0.1) a.w(R(0x03 << 2, rs2, 15, size, rd, 0x2f)); // a second sc: no reservation left
    } else if (k === 14) {
      // sstatus (privileged ISA §4.1.1) as Linux uses it around interrupt-safe sections: csrrci/csrrsi of
      // SIE, csrr, csrs/csrc of a register holding SIE (andi first) or anything; and other immediates.
      const f = Math.floor(rand() * 6);
      const csr = (f3: number, src: number, d: number): number => I(0x100, src, f3, d, 0x73);
      if (f === 0) a.w(csr(pick([6, 7]), 2, rd));           // csrrsi/csrrci rd, sstatus, SIE
      else if (f === 1) a.w(csr(2, 0, rd));                 // csrr rd, sstatus
      else if (f === 2) { a.w(I(2, rs1, 7, 7, 0x13)); a.w(csr(pick([2, 3]), 7, pick([0, rd]))); } // andi x7, rs1, 2; csrs/csrc
      else if (f === 3) a.w(csr(pick([2, 3]), pick(SRC.slice(1)), rd)); // any bits: left to the interpreter
      else if (f === 4) a.w(csr(pick([6, 7]), pick([1, 3, 8]), rd)); // immediates with other bits
      else a.w(csr(pick([6, 7]), 0, rd));                   // immediate 0: reads only
    } else {
      const r = pick(DEST.slice(1));
      if (rand() < 0.5) a.h(cAddi(r, (Math.floor(rand() * 63) - 31) || 1)); else a.h(cAdd(r, pick(SRC.slice(1))));
    }
  }
}

interface Outcome { x: bigint[]; pc: bigint; instret: bigint; mcause: bigint; mepc: bigint; mtval: bigint; data: Uint8Array }

function runOn(core: Core, code: Asm, regs: bigint[], data: Uint8Array, budgets: () => number): Outcome {
  const g = core.guest;
  g.write(CODE, Uint8Array.from(code.bytes));
  g.write(HANDLER, Uint8Array.from([0x73, 0x00, 0x50, 0x10])); // wfi
  g.write(DATA, data);
  core.resetHart(0, BigInt(CODE));
  core.set64(0, L.HART_MTVEC, BigInt(HANDLER));
  for (let i = 1; i < 32; i++) core.setX(0, i, regs[i]!);
  let r = ExitReason.Budget;
  for (let slices = 0; slices < 100_000 && r !== ExitReason.Wfi; slices++) r = core.run(0, budgets());
  assert.equal(r, ExitReason.Wfi, 'the program did not finish');
  return {
    x: Array.from({ length: 32 }, (_, i) => core.getX(0, i)),
    pc: core.getPc(0), instret: core.instret(0),
    mcause: core.get64(0, L.HART_MCAUSE), mepc: core.get64(0, L.HART_MEPC), mtval: core.get64(0, L.HART_MTVAL),
    data: g.read(DATA, DATA_LEN),
  };
}

/** Instructions retired so far by translated code on a core. */
const translated = (c: Core): bigint => c.stats().jitRetired;

/**
 * Runs the program on the three cores with the same random slice budgets; all must agree. Returns the
 * instructions retired by translated code on the eager core, and all it retired.
 */
function compare(code: Asm, regs: bigint[], data: Uint8Array, seed: number): { translated: bigint; retired: bigint } {
  const budget = (r: () => number) => (): number => (r() < 0.5 ? 1 + Math.floor(r() * 300) : 100_000);
  const want = runOn(cores.interp, code, regs, data, budget(prng(seed ^ 0x5a5a)));
  let t0 = 0n;
  for (const [name, c] of [['jit', cores.jit], ['eager', cores.eager]] as const) {
    t0 = translated(c);
    const got = runOn(c, code, regs, data, budget(prng(seed ^ 0x5a5a)));
    const what = `${name}, seed ${seed}`;
    assert.deepEqual(got.x, want.x, `${what}: registers`);
    assert.equal(got.pc, want.pc, `${what}: pc`);
    assert.equal(got.instret, want.instret, `${what}: instret`);
    assert.deepEqual([got.mcause, got.mepc, got.mtval], [want.mcause, want.mepc, want.mtval], `${what}: trap CSRs`);
    assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), `${what}: data memory differs`);
  }
  return { translated: translated(cores.eager) - t0, retired: want.instret };
}

/** Sums compare()'s figures. */
class Tally {
  translated = 0n; retired = 0n;
  add(r: { translated: bigint; retired: bigint }): void { this.translated += r.translated; this.retired += r.retired; }
  get share(): number { return Number(this.translated * 1000n / this.retired) / 1000; }
}

/**
 * Runs the random programs of seeds first..last through compare(): random registers and data, x5 pointing
 * into the data, x6 the loop count `iterations(rand)` returns, x8 = 1. Returns the share of instructions
 * that ran translated on the eager core.
 */
function randomRuns(first: number, last: number, iterations: (rand: () => number) => number, program: (rand: () => number) => Asm): number {
  const tally = new Tally();
  for (let seed = first; seed <= last; seed++) {
    const rand = prng(seed);
    const regs = Array.from({ length: 32 }, () => BigInt.asUintN(64, BigInt(Math.floor(rand() * 2 ** 32)) << 32n | BigInt(Math.floor(rand() * 2 ** 32))));
    regs[5] = BigInt(DATA + DATA_LEN / 2);
    regs[6] = BigInt(iterations(rand));
    regs[8] = 1n;
    const data = Uint8Array.from({ length: DATA_LEN }, () => Math.floor(rand() * 256));
    tally.add(compare(program(rand), regs, data, seed));
  }
  return tally.share;
}

test('JIT self-loops: 400 random loops give the interpreter\'s registers, memory and instret', () => {
  // Past the loop warm-up (64) and the batch retry (32).
  const share = randomRuns(1, 400, (rand) => 100 + Math.floor(rand() * 300), randomLoop);
  // Most instructions must really have run translated.
  assert.ok(share > 0.6, `translated share ${share}`);
});

test('JIT blocks: 60 random programs of branches, calls and returns give the interpreter\'s results', () => {
  // Past the 20 000 executions before a block is translated.
  const share = randomRuns(1001, 1060, (rand) => 24_000 + Math.floor(rand() * 2000), randomBranches);
  assert.ok(share > 0.15, `translated share ${share}`);
});

test('JIT: a store walking off the end of RAM faults precisely in the middle of a translated loop', () => {
  const a = new Asm();
  a.w(S(0, 7, 5, 3));          // sd x7, 0(x5)
  a.w(I(8, 5, 0, 5, 0x13));     // addi x5, x5, 8
  a.w(I(-1, 6, 0, 6, 0x13));    // addi x6, x6, -1
  a.w(B(-12, 0, 6, 1));         // bne x6, x0, loop
  a.w(STOP);
  const regs = new Array<bigint>(32).fill(0n);
  const end = BASE + RAM;
  regs[5] = BigInt(end - 8 * 500);
  regs[6] = 1000n;
  regs[7] = 0x1122334455667788n;
  assert.ok(compare(a, regs, new Uint8Array(DATA_LEN), 0xfa17).translated > 0n, 'the loop ran translated');
  const o = runOn(cores.eager, a, regs, new Uint8Array(DATA_LEN), () => 100_000);
  assert.equal(o.pc, BigInt(HANDLER + 4)); // past the handler's WFI
  assert.equal(o.mcause, 7n); // store/AMO access fault (privileged ISA §3.1.15)
  assert.equal(o.mepc, BigInt(CODE));
  assert.equal(o.mtval, BigInt(end));
  assert.equal(o.x[5], BigInt(end));
  assert.equal(o.x[6], 500n);
  assert.equal(cores.eager.guest.read(end - 8, 8).reduce((s, b, i) => s | (BigInt(b) << BigInt(8 * i)), 0n), 0x1122334455667788n);
});

test('JIT: a loop that overwrites its own code runs the new instructions (FENCE.I semantics)', () => {
  // Loop A: stores x7 over the `addi x9, x9, 1` at `target`, so later iterations add 2 instead of 1.
  const a = new Asm();
  a.w(I(1, 9, 0, 9, 0x13));       // target: addi x9, x9, 1
  a.w(S(0, 7, 5, 2));             // sw x7, 0(x5)   (x5 = address of target)
  a.w(I(-1, 6, 0, 6, 0x13));      // addi x6, x6, -1
  a.w(B(-12, 0, 6, 1));           // bne x6, x0, loop
  a.w(STOP);
  const regs = new Array<bigint>(32).fill(0n);
  regs[5] = BigInt(CODE);
  regs[6] = 200n;
  regs[7] = BigInt(I(2, 9, 0, 9, 0x13)); // addi x9, x9, 2
  compare(a, regs, new Uint8Array(DATA_LEN), 0xc0de);
  const o = runOn(cores.jit, a, regs, new Uint8Array(DATA_LEN), () => 100_000);
  assert.equal(o.x[9], 1n + 2n * 199n);
});

test('JIT: a loop body longer than one decoded block (Linux memset: 32 stores) runs translated', () => {
  const a = new Asm();
  for (let i = 0; i < 32; i++) a.w(S(i * 8, 7, 5, 3)); // sd x7, 8i(x5)
  a.w(I(256, 5, 0, 5, 0x13));                           // addi x5, x5, 256
  a.w(B(-a.pc, 6, 5, 6));                               // bltu x5, x6, loop
  a.w(STOP);
  const regs = new Array<bigint>(32).fill(0n);
  regs[5] = BigInt(DATA);
  regs[6] = BigInt(DATA + 200 * 256 - 8);
  regs[7] = 0x0101010101010101n;
  assert.ok(compare(a, regs, new Uint8Array(DATA_LEN), 0x3e7).translated > 0n, 'the loop ran translated');
});

test('JIT: blocks decoded again in a translated page rejoin its function at once', () => {
  const a = new Asm();
  a.w(I(1, 9, 0, 9, 0x13));     // loop: addi x9, x9, 1
  a.w(I(-1, 6, 0, 6, 0x13));    // addi x6, x6, -1
  a.w(B(-8, 0, 6, 1));          // bne x6, x0, loop
  a.w(STOP);
  const regs = new Array<bigint>(32).fill(0n);
  regs[6] = 300n;
  const c = cores.eager;
  assert.ok(compare(a, regs, new Uint8Array(DATA_LEN), 0xbeef).translated > 0n, 'the loop ran translated');
  // Same code, same page generation, empty block cache: 20 iterations, far fewer than the warm-up (64).
  c.flushBlocks();
  c.resetHart(0, BigInt(CODE));
  c.setX(0, 6, 20n);
  c.setX(0, 9, 0n);
  const t0 = translated(c);
  for (let i = 0; i < 100 && c.run(0, 1000) !== ExitReason.Wfi; i++);
  assert.equal(c.getX(0, 9), 20n);
  assert.ok(translated(c) - t0 >= 30n, `ran translated: ${translated(c) - t0} instructions`);
});

test('JIT: a page whose blocks keep losing their cache slots is still translated (page heat)', () => {
  // Two blocks that branch to each other (neither is a loop head, so each warms up for JIT_BLOCK_WARMUP
  // runs), with the block cache emptied every 2 500 iterations, as a busy kernel evicts its blocks: each
  // block's countdown starts again every time, but the page's count of warming-up runs goes on.
  const c = core((m, p, b) => new JitTier(m, p, b, { flushMs: 0 }));
  const a = new Asm();
  a.w(I(1, 9, 0, 9, 0x13));     // A: addi x9, x9, 1
  a.w(0x0080006f);              //    j B
  a.w(I(0, 0, 0, 0, 0x13));     //    nop (skipped)
  a.w(I(-1, 6, 0, 6, 0x13));    // B: addi x6, x6, -1
  a.w(B(-16, 0, 6, 1));         //    bne x6, x0, A
  a.w(STOP);
  c.guest.write(CODE, Uint8Array.from(a.bytes));
  c.resetHart(0, BigInt(CODE));
  // Each iteration runs both blocks once: the page reaches JIT_PAGE_WARMUP after half as many iterations.
  const iterations = L.JIT_PAGE_WARMUP / 2 + 50_000;
  c.setX(0, 6, BigInt(iterations));
  let r = ExitReason.Budget;
  for (let i = 0; i < 10_000 && r !== ExitReason.Wfi; i++) { r = c.run(0, 10_000); c.flushBlocks(); }
  assert.equal(r, ExitReason.Wfi);
  assert.equal(c.getX(0, 9), BigInt(iterations));
  assert.ok(2_500 < L.JIT_BLOCK_WARMUP, 'no block warms up between two flushes');
  assert.ok(translated(c) > 160_000n, `ran translated: ${translated(c)} of ${4 * iterations} instructions`);
});

test('JIT: setting sstatus.SIE in a translated loop with an interrupt pending traps before the next instruction', () => {
  // S-mode loop toggling SIE; once it runs translated, a supervisor software interrupt becomes pending.
  const a = new Asm();
  a.w(I(0x100, 2, 6, 0, 0x73));   // loop: csrrsi x0, sstatus, 2   (SIE on)
  a.w(I(1, 9, 0, 9, 0x13));       // addi x9, x9, 1
  a.w(I(0x100, 2, 7, 0, 0x73));   // csrrci x0, sstatus, 2         (SIE off)
  a.w(I(-1, 6, 0, 6, 0x13));      // addi x6, x6, -1
  a.w(B(-16, 0, 6, 1));           // bne x6, x0, loop
  a.w(STOP);
  const SSIP = 1n << 1n;
  const run = (c: Core, budgets: () => number): { x9: bigint; sepc: bigint; scause: bigint; translated: bigint } => {
    const t0 = translated(c);
    c.guest.write(CODE, Uint8Array.from(a.bytes));
    const h = new Asm().w(I(0x144, 2, 7, 0, 0x73)).w(STOP); // csrrci x0, sip, SSIP; wfi
    c.guest.write(HANDLER, Uint8Array.from(h.bytes));
    c.resetHart(0, BigInt(CODE));
    c.set64(0, L.HART_STVEC, BigInt(HANDLER));
    c.set64(0, L.HART_MIDELEG, SSIP);
    c.set64(0, L.HART_MIE, SSIP);
    // S-mode accesses need a matching PMP entry (privileged ISA §3.7.1): one NAPOT entry for everything, RWX.
    c.set64(0, L.HART_PMPCFG, 0x1fn);
    c.set64(0, L.HART_PMPADDR, (1n << 54n) - 1n);
    c.setPriv(0, 1);
    c.setX(0, 6, 100_000n);
    let r = ExitReason.Budget;
    for (let i = 0; i < 60; i++) r = c.run(0, budgets()); // warm up: the loop gets translated
    assert.equal(r, ExitReason.Budget);
    c.set64(0, L.HART_MIP, SSIP);
    for (let slices = 0; slices < 1000 && r !== ExitReason.Wfi; slices++) r = c.run(0, budgets());
    assert.equal(r, ExitReason.Wfi, 'the interrupt was taken');
    return { x9: c.getX(0, 9), sepc: c.get64(0, L.HART_SEPC), scause: c.get64(0, L.HART_SCAUSE), translated: translated(c) - t0 };
  };
  for (const seed of [1, 2, 3]) {
    const budget = (r: () => number) => (): number => 200 + Math.floor(r() * 3000);
    const want = run(cores.interp, budget(prng(seed)));
    assert.equal(want.scause, (1n << 63n) | 1n, 'supervisor software interrupt');
    assert.equal(want.sepc, BigInt(CODE + 4), 'taken right after SIE was set');
    for (const [name, c] of [['jit', cores.jit], ['eager', cores.eager]] as const) {
      const got = run(c, budget(prng(seed)));
      assert.ok(name === 'jit' || got.translated > 0n, 'the loop ran translated');
      assert.deepEqual({ ...got, translated: 0n }, { ...want, translated: 0n }, `${name}, seed ${seed}`);
    }
  }
});

test('JIT: the translator takes the ops it handles, up to the first it does not', () => {
  const rec = (op: string, off: number, imm = 0) => ({ op, rd: 1, rs1: 2, rs2: 3, len: 4, off, imm });
  assert.equal(translatedOps([rec('addi', 0), rec('bne', 4, -4)]), 2);
  assert.equal(isSelfLoop([rec('addi', 0), rec('bne', 4, -4)]), true);
  assert.equal(translatedOps([rec('addi', 0), rec('bne', 4, -8)]), 2, 'branch to elsewhere');
  assert.equal(isSelfLoop([rec('addi', 0), rec('bne', 4, -8)]), false);
  assert.equal(translatedOps([rec('addi', 0), rec('jal', 4, -4)]), 2, 'jump');
  assert.equal(translatedOps([rec('addi', 0), rec('jalr', 4)]), 2, 'indirect jump');
  assert.equal(translatedOps([rec('addi', 0), rec('sd', 4)]), 2, 'block cut at the op limit');
  assert.equal(translatedOps([rec('div', 0), rec('bne', 4, -4)]), 0, 'division');
  assert.equal(translatedOps([rec('addi', 0), rec('div', 4), rec('bne', 8, -8)]), 1, 'up to the division');
  assert.equal(translatedOps([rec('csrrw', 0)]), 0, 'CSR access');
  assert.equal(translatedOps([rec('addi', 0), rec('ecall', 4)]), 1, 'ECALL');
  assert.equal(translatedOps([rec('addi', 0), rec('fadd.d', 4), rec('jal', 8, 8)]), 1, 'floating point');
  assert.equal(translatedOps([rec('amoadd.w', 0), rec('amomaxu.d', 4), rec('lr.d', 8), rec('sc.w', 12), rec('bne', 16, -16)]), 5, 'AMOs, LR/SC');
  const csr = (op: string, src: number, num = 0x100) => ({ op, rd: 1, rs1: src, rs2: 0, len: 4, off: 0, imm: num });
  assert.equal(translatedOps([csr('csrrci', 2)]), 1, 'clearing sstatus.SIE');
  assert.equal(translatedOps([csr('csrrsi', 2)]), 1, 'setting sstatus.SIE');
  assert.equal(translatedOps([csr('csrrs', 0)]), 1, 'reading sstatus');
  assert.equal(translatedOps([csr('csrrs', 10)]), 1, 'csrs sstatus from a register (checked when it runs)');
  assert.equal(translatedOps([csr('csrrsi', 3)]), 0, 'an immediate with another bit');
  assert.equal(translatedOps([csr('csrrw', 10)]), 0, 'csrrw');
  assert.equal(translatedOps([csr('csrrsi', 2, 0x300)]), 0, 'mstatus');
});
