/**
 * The JIT tier's translator: turns the hot decoded blocks of one guest code page into a single WebAssembly
 * function (a *region*), the way v86 compiles a page of x86 code. Inside the function the guest registers
 * live in wasm locals, and control passes from block to block of the page through a `br_table` on the
 * target's page offset instead of returning to the interpreter's dispatch loop (interrupt check, X-TLB
 * lookup, block-cache tag check, indirect call, register spill) after every block. A transfer out of the
 * page, to a block the region does not hold, or past the instruction budget returns to the interpreter.
 *
 * Only integer computation (RV64I/M without division, §2.4, §5.2, §7.1), loads and stores (§2.6), AMOs and
 * LR/SC (A extension §8.2-§8.4), FENCE, the control transfers ending a block (branches, JAL, JALR, §2.5), and
 * the CSR ops Linux runs around every spinlock and interrupt-safe section (privileged ISA §4.1.1: reading
 * sstatus, setting or clearing only its SIE bit) are translated. A block is translated up
 * to its first other op, where the function returns so that the interpreter executes that op. Loads and
 * stores use the interpreter's TLBs inline (same tag compare, alignment bits folded into it). Anything else
 * — a TLB miss, a misaligned access, a page fault, MMIO, a store to a page holding decoded code (such pages
 * are never in the W TLBs) — also returns *before* that instruction with every register written back and
 * pc pointing at it, so the interpreter executes it with the full rules and exceptions stay precise.
 *
 * Why staying in the page is safe: the core enters the function only through a block whose cache tag and
 * page generation it has just checked, and every block of the region was decoded from that page at that
 * generation; code in the page can only change through a store, and a store to a code page leaves the
 * function. Virtual and physical page offsets agree (4 KiB pages at least), so a target in the same
 * virtual page is the same physical code. Privilege, translation and interrupt state change only through
 * ops that are never translated, except sstatus.SIE: setting it leaves the function when an enabled
 * interrupt is pending, so the interpreter takes it before the next instruction, as after an interpreted CSR
 * op.
 *
 * Signature: (hart: i32, pc: i64, maxIns: i32) → retired: i32, writing the exit pc to hart.pc. The function
 * returns after at least maxIns instructions (at a block boundary), so interrupts and the host's slices
 * are taken between calls as between interpreted blocks.
 */
import * as L from '../../layout/gen/layout.js';
import { OPS, REC, SINK_REG } from '../../isa/gen/isa.js';
import { Code, I32, I64, Op, type FunctionSpec } from './wasm.js';

const byId = new Map(OPS.map((o) => [o.id, o.name]));

// Locals: params 0..2, then x0..x32 (x32: the sink for rd = x0), then scratch.
const P_HART = 0, P_PC = 1, P_MAX = 2;
const reg = (r: number): number => 3 + r;
const L_VA = reg(SINK_REG) + 1, L_EXIT = L_VA + 1, L_BASE = L_EXIT + 1; // i64
const L_OLD = L_BASE + 1; // i64
const L_TLBR = L_OLD + 1, L_TLBW = L_TLBR + 1, L_E = L_TLBW + 1, L_COUNT = L_E + 1, L_NEXT = L_COUNT + 1; // i32
const L_ADDR = L_NEXT + 1, L_O32 = L_ADDR + 1; // i32
const I64_LOCALS = SINK_REG + 1 + 4;
const I32_LOCALS = 7;
const PAGE = 4096;

export interface Rec { op: string; rd: number; rs1: number; rs2: number; len: number; off: number; imm: number }

const ALU_RR: Record<string, number[]> = {
  add: [Op.i64Add], sub: [Op.i64Sub], xor: [Op.i64Xor], or: [Op.i64Or], and: [Op.i64And],
  sll: [Op.i64Shl], srl: [Op.i64ShrU], sra: [Op.i64ShrS], mul: [Op.i64Mul], // wasm masks shift counts to 6 bits as RV64 does
  slt: [Op.i64LtS, Op.i64ExtendI32U], sltu: [Op.i64LtU, Op.i64ExtendI32U],
  addw: [Op.i64Add, Op.i32WrapI64, Op.i64ExtendI32S], subw: [Op.i64Sub, Op.i32WrapI64, Op.i64ExtendI32S],
  mulw: [Op.i64Mul, Op.i32WrapI64, Op.i64ExtendI32S],
};
const ALU_RI: Record<string, number[]> = {
  addi: [Op.i64Add], xori: [Op.i64Xor], ori: [Op.i64Or], andi: [Op.i64And],
  slli: [Op.i64Shl], srli: [Op.i64ShrU], srai: [Op.i64ShrS],
  slti: [Op.i64LtS, Op.i64ExtendI32U], sltiu: [Op.i64LtU, Op.i64ExtendI32U],
  addiw: [Op.i64Add, Op.i32WrapI64, Op.i64ExtendI32S],
};
/** 32-bit shifts (§5.2): done on i32 values, whose shift counts wasm masks to 5 bits as RV64 does. */
const SHIFT_W: Record<string, number> = {
  sllw: Op.i32Shl, srlw: Op.i32ShrU, sraw: Op.i32ShrS, slliw: Op.i32Shl, srliw: Op.i32ShrU, sraiw: Op.i32ShrS,
};
const LOADS: Record<string, { bytes: number; op: number }> = {
  lb: { bytes: 1, op: Op.i64Load8S }, lbu: { bytes: 1, op: Op.i64Load8U }, lh: { bytes: 2, op: Op.i64Load16S },
  lhu: { bytes: 2, op: Op.i64Load16U }, lw: { bytes: 4, op: Op.i64Load32S }, lwu: { bytes: 4, op: Op.i64Load32U },
  ld: { bytes: 8, op: Op.i64Load },
};
const STORES: Record<string, { bytes: number; op: number }> = {
  sb: { bytes: 1, op: Op.i64Store8 }, sh: { bytes: 2, op: Op.i64Store16 }, sw: { bytes: 4, op: Op.i64Store32 },
  sd: { bytes: 8, op: Op.i64Store },
};
/**
 * AMOs (§8.4): the new value from the old one (in L_OLD, or L_O32 for .W) and x[rs2], as wasm ops on i64
 * (.D) or i32 (.W, whose operation is on the low 32 bits). min/max select the old value when the comparison
 * (old < src, old > src) holds.
 */
const AMO_OPS: Record<string, { arith?: number; select?: number }> = {
  swap: {}, add: { arith: 0 }, xor: { arith: 1 }, and: { arith: 2 }, or: { arith: 3 },
  min: { select: 0 }, max: { select: 1 }, minu: { select: 2 }, maxu: { select: 3 },
};
const AMO_ARITH = { d: [Op.i64Add, Op.i64Xor, Op.i64And, Op.i64Or], w: [Op.i32Add, Op.i32Xor, Op.i32And, Op.i32Or] };
const AMO_CMP = { d: [Op.i64LtS, Op.i64GtS, Op.i64LtU, Op.i64GtU], w: [Op.i32LtS, Op.i32GtS, Op.i32LtU, Op.i32GtU] };
/** 'amoadd.w' → { kind: 'add', size: 'w' }, or undefined (LR/SC and everything else). */
function amoOf(op: string): { kind: string; size: 'w' | 'd' } | undefined {
  const m = /^amo([a-z]+)\.([wd])$/.exec(op);
  return m && m[1]! in AMO_OPS ? { kind: m[1]!, size: m[2] as 'w' | 'd' } : undefined;
}

/** LR/SC (§8.2): the reservation is the physical address, as the interpreter keeps it (HART_RESERVATION). */
const LR: Record<string, number> = { 'lr.w': 4, 'lr.d': 8 };
const SC: Record<string, number> = { 'sc.w': 4, 'sc.d': 8 };
const NO_RESERVATION = -1n;

/**
 * sstatus (privileged ISA §4.1.1): the mstatus bits it shows (SIE, SPIE, SPP, FS, SUM, MXR, UXL, SD), and SIE,
 * the only bit a translated CSR op may change; any other write (SUM, for one, re-points the data TLBs) is
 * left to the interpreter.
 */
const CSR_SSTATUS = 0x100;
const MS_SIE = 1n << 1n, MS_FS = 3n << 13n, MS_SD = 1n << 63n;
const SSTATUS_MASK = MS_SIE | (1n << 5n) | (1n << 8n) | MS_FS | (1n << 18n) | (1n << 19n) | (3n << 32n) | MS_SD;
/** csrrs/csrrc and their immediate forms (§2.8 of the unprivileged ISA, "Zicsr"): set or clear bits. */
const CSR_SET: Record<string, boolean> = { csrrs: true, csrrsi: true, csrrc: false, csrrci: false };
/** Whether a CSR op is translated: sstatus, set or clear, an immediate with no bit but SIE (a register is checked when it runs). */
function sstatusOp(r: Rec): boolean {
  if (!(r.op in CSR_SET) || (r.imm & 0xfff) !== CSR_SSTATUS) return false;
  return !r.op.endsWith('i') || (r.rs1 & ~Number(MS_SIE)) === 0;
}

const BRANCHES: Record<string, number> = {
  beq: Op.i64Eq, bne: Op.i64Ne, blt: Op.i64LtS, bge: Op.i64GeS, bltu: Op.i64LtU, bgeu: Op.i64GeU,
};

/** A decoded block as the translator sees it: its ops and its length in bytes of guest code. */
export interface Block { recs: Rec[]; len: number }
/** A block of a region and the page offset of its first instruction. */
export interface RegionBlock { off: number; block: Block }

/** Parses a decoded block's op records (their bytes) and its length in bytes of code. */
export function parseBlock(b: { ops: Uint8Array; len: number }): Block {
  const bytes = b.ops;
  const mem = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const recs: Rec[] = [];
  for (let i = 0; i < bytes.length / L.OP_SIZE; i++) {
    const a = i * L.OP_SIZE;
    recs.push({
      op: byId.get(mem.getUint8(a + REC.op)) ?? 'illegal',
      rd: mem.getUint8(a + REC.rd), rs1: mem.getUint8(a + REC.rs1), rs2: mem.getUint8(a + REC.rs2),
      len: mem.getUint8(a + REC.len), off: mem.getUint16(a + REC.off, true), imm: mem.getInt32(a + REC.imm, true),
    });
  }
  return { recs, len: b.len };
}

/** Whether the translator handles an op that does not end a block (computation, loads, stores). */
export function handledOp(r: Rec): boolean {
  return r.op === 'fence' || r.op in ALU_RR || r.op in ALU_RI || r.op in SHIFT_W || r.op in LOADS || r.op in STORES ||
    r.op === 'lui' || r.op === 'auipc' || amoOf(r.op) !== undefined || r.op in LR || r.op in SC || sstatusOp(r);
}

/** Whether an op is a control transfer the translator handles (it always ends its block). */
function isJump(r: Rec): boolean { return r.op in BRANCHES || r.op === 'jal' || r.op === 'jalr'; }

/**
 * How many of the block's ops are translated: those before the first op the translator does not handle
 * (the whole block when it has none; a branch, JAL or JALR ending the block counts as handled). A block
 * with 0 is left to the interpreter; otherwise its translation returns to the interpreter at that op.
 */
export function translatedOps(recs: readonly Rec[]): number {
  let k = 0;
  while (k < recs.length && handledOp(recs[k]!)) k++;
  return k === recs.length - 1 && isJump(recs[k]!) ? k + 1 : k;
}

/** Whether the block's last op branches back to its first instruction. */
export function isSelfLoop(recs: readonly Rec[]): boolean {
  const last = recs.at(-1);
  return last !== undefined && last.op in BRANCHES && last.off + last.imm === 0;
}

/** Registers (1..31) the translated ops of the blocks read or write, and those they write. */
function registersOf(blocks: readonly RegionBlock[]): { live: number[]; written: Set<number> } {
  const used = new Set<number>(), written = new Set<number>();
  for (const { block } of blocks) {
    const recs = block.recs.slice(0, translatedOps(block.recs));
    for (const r of recs) {
      const op = r.op;
      if (op in ALU_RR || op in BRANCHES || op in STORES || op === 'sllw' || op === 'srlw' || op === 'sraw' || amoOf(op) || op in SC) { used.add(r.rs1); used.add(r.rs2); }
      else if (op !== 'lui' && op !== 'auipc' && op !== 'fence' && op !== 'jal' && op !== 'csrrsi' && op !== 'csrrci') used.add(r.rs1);
      if (!(op in BRANCHES) && !(op in STORES) && op !== 'fence') { used.add(r.rd); written.add(r.rd); }
    }
  }
  const live = [...used].filter((r) => r !== 0 && r !== SINK_REG).sort((a, b) => a - b);
  return { live, written };
}

/**
 * Translates the blocks of one code page (each at a distinct page offset) into a region function, to be
 * put in a module with moduleWithFunctions. Blocks with no translatable op are left out (control reaching
 * them returns to the interpreter). Returns undefined when no block has a translatable op.
 */
export function translateRegion(blocks: readonly RegionBlock[]): FunctionSpec | undefined {
  const inRegion = [...blocks].filter((b) => translatedOps(b.block.recs) > 0).sort((a, b) => a.off - b.off);
  if (inRegion.length === 0) return undefined;
  const c = new Code();
  const { live, written } = registersOf(inRegion);
  const x = (r: number): Code => (r === 0 ? c.i64(0n) : c.get(reg(r)));
  const starts = new Set(inRegion.map((b) => b.off));
  const lo = inRegion[0]!.off >> 1, hi = inRegion.at(-1)!.off >> 1;

  // Prologue: TLB pointers, the registers the region uses, the page's virtual base and the entry block.
  c.get(P_HART).mem(Op.i32Load, L.HART_TLB_R).set(L_TLBR);
  c.get(P_HART).mem(Op.i32Load, L.HART_TLB_W).set(L_TLBW);
  for (const r of live) c.get(P_HART).mem(Op.i64Load, L.HART_X + r * 8).set(reg(r));
  c.get(P_PC).i64(~BigInt(PAGE - 1)).op(Op.i64And).set(L_BASE);
  c.get(P_PC).op(Op.i32WrapI64).i32(PAGE - 1).op(Op.i32And).i32(1).op(Op.i32ShrU).set(L_NEXT);

  const out = c.open(Op.block);
  const disp = c.open(Op.loop);
  // Every transfer comes here with L_NEXT = target page offset / 2: leave once the budget is spent.
  c.get(L_COUNT).get(P_MAX).op(Op.i32GeS).open(Op.if);
  exitAtNext();
  c.end();
  // Dispatch: one wasm block per region block, innermost first; block k's code follows the end of the k-th
  // innermost, so the br_table's label k (relative depth) runs it, and label N is the default.
  const N = inRegion.length;
  c.open(Op.block); // the default: not a block of the region
  for (let k = 0; k < N; k++) c.open(Op.block);
  c.get(L_NEXT).i32(lo).op(Op.i32Sub);
  const table: number[] = [];
  for (let i = lo, k = 0; i <= hi; i++) table.push(starts.has(i << 1) ? k++ : N);
  c.brTable(table, N);
  for (const b of inRegion) { c.end(); emitBlock(b); }
  c.end();
  exitAtNext();
  c.end(); // disp
  c.end(); // out

  // Epilogue: write back, exit pc, retired count.
  for (const r of live) if (written.has(r)) c.get(P_HART).get(reg(r)).mem(Op.i64Store, L.HART_X + r * 8);
  c.get(P_HART).get(L_EXIT).mem(Op.i64Store, L.HART_PC);
  c.get(L_COUNT);
  return { params: [I32, I64, I32], results: [I32], locals: [[I64_LOCALS, I64], [I32_LOCALS, I32]], code: c };

  /** Leaves at the page offset in L_NEXT * 2. */
  function exitAtNext(): void {
    c.get(L_BASE).get(L_NEXT).op(Op.i64ExtendI32U).i64(1n).op(Op.i64Shl, Op.i64Or).set(L_EXIT).brTo(out);
  }
  /** Leaves at pc = base + page offset `off` (which may lie outside the page), `retired` ops into the block. */
  function exitAt(off: number, retired: number): void {
    if (retired > 0) c.get(L_COUNT).i32(retired).op(Op.i32Add).set(L_COUNT);
    c.get(L_BASE).i64(BigInt(off)).op(Op.i64Add).set(L_EXIT).brTo(out);
  }
  /**
   * Looks the address in L_VA up in a TLB (the local holding its base), as the interpreter's fast path does:
   * `bytes - 1` alignment bits folded into the tag compare. A miss or a misaligned address leaves before op
   * `j` (at page offset `off`), `j` ops into the block; otherwise the host address (i32) is left on the stack.
   */
  function hostAddress(tlb: number, bytes: number, off: number, j: number): void {
    // entry = tlb + ((va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE
    c.get(tlb).get(L_VA).i64(12n).op(Op.i64ShrU, Op.i32WrapI64)
      .i32(L.TLB_ENTRIES - 1).op(Op.i32And).i32(Math.log2(L.TLB_ENTRY_SIZE)).op(Op.i32Shl, Op.i32Add).set(L_E);
    c.get(L_E).mem(Op.i64Load).get(L_VA).i64(~0xfffn | BigInt(bytes - 1)).op(Op.i64And, Op.i64Ne);
    c.open(Op.if); exitAt(off, j); c.end();
    c.get(L_E).mem(Op.i64Load, 8).get(L_VA).op(Op.i64Add, Op.i32WrapI64);
  }
  /** Continues at page offset `off` after the block's `n` ops retired: in the region, or out of it. */
  function goTo(off: number, n: number): void {
    c.get(L_COUNT).i32(n).op(Op.i32Add).set(L_COUNT);
    if (off >= 0 && off < PAGE && starts.has(off)) c.i32(off >> 1).set(L_NEXT).brTo(disp);
    else exitAt(off, 0);
  }

  function emitBlock({ off: bo, block }: RegionBlock): void {
    const recs = block.recs;
    const n = recs.length;
    const k = translatedOps(recs);
    const selfLoop = k === n && isSelfLoop(recs);
    const loop = selfLoop ? c.open(Op.loop) : -1;
    for (let j = 0; j < k; j++) {
      const r = recs[j]!;
      const op = r.op;
      if (op === 'fence') { /* memory is sequentially consistent here (one host thread): nothing to order */ }
      else if (op in ALU_RR) { x(r.rs1); x(r.rs2); c.op(...ALU_RR[op]!).set(reg(r.rd)); }
      else if (op in ALU_RI) { x(r.rs1).i64(BigInt(r.imm)).op(...ALU_RI[op]!).set(reg(r.rd)); }
      else if (op in SHIFT_W) {
        x(r.rs1).op(Op.i32WrapI64);
        if (op.endsWith('iw')) c.i32(r.imm); else x(r.rs2).op(Op.i32WrapI64);
        c.op(SHIFT_W[op]!, Op.i64ExtendI32S).set(reg(r.rd));
      } else if (op === 'lui') c.i64(BigInt(r.imm)).set(reg(r.rd));
      else if (op === 'auipc') c.get(L_BASE).i64(BigInt(bo + r.off + r.imm)).op(Op.i64Add).set(reg(r.rd));
      else if (op in LOADS || op in STORES) {
        const acc = (LOADS[op] ?? STORES[op])!;
        const isStore = op in STORES;
        // va = x[rs1] + imm
        x(r.rs1).i64(BigInt(r.imm)).op(Op.i64Add).set(L_VA);
        hostAddress(isStore ? L_TLBW : L_TLBR, acc.bytes, bo + r.off, j);
        if (isStore) { x(r.rs2); c.mem(acc.op); } else c.mem(acc.op).set(reg(r.rd));
      } else if (op in LR || op in SC) {
        // The R TLB (LR) or the W TLB (SC) as for a load or store; a miss or a misaligned address leaves
        // before the op, and the interpreter raises what §8.2 says.
        const bytes = (LR[op] ?? SC[op])!;
        x(r.rs1).set(L_VA);
        hostAddress(op in LR ? L_TLBR : L_TLBW, bytes, bo + r.off, j);
        c.set(L_ADDR);
        // The physical address: host address - RAM_HOST_BASE + RAM_GUEST_BASE (TLB entries map RAM only).
        c.get(L_ADDR).op(Op.i64ExtendI32U).i64(BigInt(L.RAM_GUEST_BASE - L.RAM_HOST_BASE)).op(Op.i64Add).set(L_OLD);
        if (op in LR) {
          c.get(P_HART).get(L_OLD).mem(Op.i64Store, L.HART_RESERVATION);
          c.get(L_ADDR).mem(bytes === 8 ? Op.i64Load : Op.i64Load32S).set(reg(r.rd));
        } else {
          // Succeeds (rd = 0) only on the reserved address; either way the reservation is gone.
          c.get(P_HART).mem(Op.i64Load, L.HART_RESERVATION).get(L_OLD).op(Op.i64Eq).set(L_E); // the entry is used
          c.get(L_E).open(Op.if);
          c.get(L_ADDR); x(r.rs2); c.mem(bytes === 8 ? Op.i64Store : Op.i64Store32);
          c.end();
          c.get(P_HART).i64(NO_RESERVATION).mem(Op.i64Store, L.HART_RESERVATION);
          c.get(L_E).op(Op.i32Eqz, Op.i64ExtendI32U).set(reg(r.rd)); // after x[rs2] was read: rd may be rs2
        }
      } else if (op in CSR_SET) {
        // sstatus from S or M mode only (a U-mode access is illegal, §2.1): else the interpreter raises it.
        c.get(P_HART).mem(Op.i32Load, L.HART_PRIV).op(Op.i32Eqz);
        if (!op.endsWith('i') && r.rs1 !== 0) {
          // A register source is translated only when it holds no bit but SIE.
          x(r.rs1).i64(~MS_SIE).op(Op.i64And).i64(0n).op(Op.i64Ne, Op.i32Or);
        }
        c.open(Op.if); exitAt(bo + r.off, j); c.end();
        // old = mstatus with SD from FS (§3.1.6.6), seen through the sstatus mask.
        c.get(P_HART).mem(Op.i64Load, L.HART_MSTATUS).set(L_OLD);
        c.get(L_OLD).i64(MS_SD).op(Op.i64Or).get(L_OLD).i64(~MS_SD).op(Op.i64And)
          .get(L_OLD).i64(MS_FS).op(Op.i64And).i64(MS_FS).op(Op.i64Eq, Op.select).i64(SSTATUS_MASK).op(Op.i64And);
        const writes = r.rs1 !== 0; // x0 or an immediate 0 write nothing (§2.8)
        if (writes) {
          const src = (): Code => (op.endsWith('i') ? c.i64(BigInt(r.rs1)) : x(r.rs1));
          c.get(P_HART).get(L_OLD);
          if (CSR_SET[op]) { src(); c.op(Op.i64Or); } else { src(); c.i64(-1n).op(Op.i64Xor, Op.i64And); }
          c.mem(Op.i64Store, L.HART_MSTATUS);
        }
        c.set(reg(r.rd));
        if (writes && CSR_SET[op]) {
          // SIE may now enable a pending interrupt: leave after this op so that the interpreter takes it.
          c.get(P_HART).mem(Op.i64Load, L.HART_MIP).get(P_HART).mem(Op.i64Load, L.HART_HOST_IP).op(Op.i64Or)
            .get(P_HART).mem(Op.i64Load, L.HART_MIE).op(Op.i64And, Op.i64Eqz, Op.i32Eqz);
          c.open(Op.if); exitAt(bo + r.off + r.len, j + 1); c.end();
        }
      } else if (amoOf(op)) {
        const { kind, size } = amoOf(op)!;
        const bytes = size === 'd' ? 8 : 4;
        // The W TLB (a writable page is readable: W without R is reserved, privileged ISA §4.3.1); a miss or
        // a misaligned address leaves before the AMO, and the interpreter raises what the spec says.
        x(r.rs1).set(L_VA);
        hostAddress(L_TLBW, bytes, bo + r.off, j);
        c.set(L_ADDR);
        const { arith, select } = AMO_OPS[kind]!;
        if (size === 'd') {
          c.get(L_ADDR).mem(Op.i64Load).set(L_OLD);
          c.get(L_ADDR);
          if (arith !== undefined) { c.get(L_OLD); x(r.rs2); c.op(AMO_ARITH.d[arith]!); }
          else if (select !== undefined) { c.get(L_OLD); x(r.rs2); c.get(L_OLD); x(r.rs2); c.op(AMO_CMP.d[select]!, Op.select); }
          else x(r.rs2);
          c.mem(Op.i64Store);
          c.get(L_OLD).set(reg(r.rd)); // after x[rs2] was read: rd may be rs2
        } else {
          c.get(L_ADDR).mem(Op.i32Load).set(L_O32);
          c.get(L_ADDR);
          const src = (): void => { x(r.rs2); c.op(Op.i32WrapI64); };
          if (arith !== undefined) { c.get(L_O32); src(); c.op(AMO_ARITH.w[arith]!); }
          else if (select !== undefined) { c.get(L_O32); src(); c.get(L_O32); src(); c.op(AMO_CMP.w[select]!, Op.select); }
          else src();
          c.mem(Op.i32Store);
          c.get(L_O32).op(Op.i64ExtendI32S).set(reg(r.rd));
        }
      } else if (selfLoop && j === n - 1) {
        // The closing branch: back to the top while taken and the budget allows another whole iteration.
        x(r.rs1); x(r.rs2); c.op(BRANCHES[op]!);
        c.open(Op.if);
        c.get(L_COUNT).i32(n).op(Op.i32Add).tee(L_COUNT).i32(n).op(Op.i32Add).get(P_MAX).op(Op.i32GtS);
        c.open(Op.if); exitAt(bo, 0); c.end();
        c.brTo(loop);
        c.end();
        goTo(bo + block.len, n);
      } else if (op in BRANCHES) {
        x(r.rs1); x(r.rs2); c.op(BRANCHES[op]!);
        c.open(Op.if); goTo(bo + r.off + r.imm, n); c.end();
        goTo(bo + block.len, n);
      } else if (op === 'jal') {
        c.get(L_BASE).i64(BigInt(bo + r.off + r.len)).op(Op.i64Add).set(reg(r.rd));
        goTo(bo + r.off + r.imm, n);
      } else if (op === 'jalr') {
        // The target ((x[rs1] + imm) & ~1, §2.5) is read before rd is written: rd may be rs1.
        x(r.rs1).i64(BigInt(r.imm)).op(Op.i64Add).i64(~1n).op(Op.i64And).set(L_VA);
        c.get(L_BASE).i64(BigInt(bo + r.off + r.len)).op(Op.i64Add).set(reg(r.rd));
        c.get(L_COUNT).i32(n).op(Op.i32Add).set(L_COUNT);
        // Same virtual page: dispatch on its offset; otherwise leave.
        c.get(L_VA).get(L_BASE).op(Op.i64Xor).i64(BigInt(-PAGE)).op(Op.i64And, Op.i64Eqz).open(Op.if);
        c.get(L_VA).op(Op.i32WrapI64).i32(PAGE - 1).op(Op.i32And).i32(1).op(Op.i32ShrU).set(L_NEXT).brTo(disp);
        c.end();
        c.get(L_VA).set(L_EXIT).brTo(out);
      }
    }
    if (k < n) exitAt(bo + recs[k]!.off, k); // an op left to the interpreter
    else if (handledOp(recs[n - 1]!)) goTo(bo + block.len, n); // cut at the decoder's op limit: falls through
    if (selfLoop) c.end();
  }
}
