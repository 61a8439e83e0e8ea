/**
 * The JIT tier: translates a hot decoded block into a WebAssembly function that keeps the guest registers
 * it uses in wasm locals instead of loading and storing them for every instruction as the interpreter does.
 * A *self-loop* — a block whose last instruction is a conditional branch back to its first (memcpy, memset,
 * copy_to_user, checksum and string loops) — becomes a wasm loop, so its registers stay in locals across
 * iterations; any other block runs once per call and leaves at its branch, JAL or JALR target.
 *
 * Only integer computation (RV64I/M without division, §2.4, §5.2, §7.1), loads and stores (§2.6) and the
 * control transfer ending the block (§2.5) are translated; any other op leaves the block to the interpreter.
 * Loads and stores use the interpreter's TLBs inline (same tag compare, alignment bits folded into it).
 * Anything else — a TLB miss, a misaligned access, a page fault, MMIO, a store to a page holding decoded
 * code (such pages are never in the W TLBs) — leaves the function *before* that instruction with every
 * register written back and pc pointing at it, so the interpreter executes it with the full rules and
 * exceptions stay precise. A loop also returns after maxIns instructions (whole iterations), so
 * interrupts and the host's slices are taken between calls as between interpreted blocks.
 *
 * Signature: (hart: i32, pc: i64, maxIns: i32) → retired: i32, writing the exit pc to hart.pc.
 */
import * as L from '../../layout/gen/layout.js';
import { OPS, REC, SINK_REG } from '../../isa/gen/isa.js';
import { Code, I32, I64, Op, type FunctionSpec } from './wasm.js';

const byId = new Map(OPS.map((o) => [o.id, o.name]));

// Locals: params 0..2, then x0..x32 (x32: the sink for rd = x0), then scratch.
const P_HART = 0, P_PC = 1, P_MAX = 2;
const reg = (r: number): number => 3 + r;
const L_VA = reg(SINK_REG) + 1, L_EXIT = L_VA + 1; // i64
const L_TLBR = L_EXIT + 1, L_TLBW = L_TLBR + 1, L_E = L_TLBW + 1, L_COUNT = L_E + 1; // i32
const I64_LOCALS = SINK_REG + 1 + 2;

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
const BRANCHES: Record<string, number> = {
  beq: Op.i64Eq, bne: Op.i64Ne, blt: Op.i64LtS, bge: Op.i64GeS, bltu: Op.i64LtU, bgeu: Op.i64GeU,
};

/** A decoded block as the translator sees it: its ops and its length in bytes of guest code. */
export interface Block { recs: Rec[]; len: number }

/** Reads the decoded block in a block-cache slot (header: u32 host, gen, op count, byte length). */
export function readBlock(mem: DataView, slot: number): Block {
  const n = mem.getUint32(slot + 8, true);
  const recs: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const a = slot + L.BLOCK_HEADER_SIZE + i * L.OP_SIZE;
    recs.push({
      op: byId.get(mem.getUint8(a + REC.op)) ?? 'illegal',
      rd: mem.getUint8(a + REC.rd), rs1: mem.getUint8(a + REC.rs1), rs2: mem.getUint8(a + REC.rs2),
      len: mem.getUint8(a + REC.len), off: mem.getUint16(a + REC.off, true), imm: mem.getInt32(a + REC.imm, true),
    });
  }
  return { recs, len: mem.getUint32(slot + 12, true) };
}

/**
 * A block that the decoder cut at its op limit followed by the block that continues it, as one block (a
 * loop body longer than one block, e.g. Linux's 32-store memset loop).
 */
export function joinBlocks(a: Block, b: Block): Block {
  return { recs: [...a.recs, ...b.recs.map((r) => ({ ...r, off: r.off + a.len }))], len: a.len + b.len };
}

/**
 * Whether the translator handles the block: every op but the last is one it translates, and the last is one
 * too (a block cut at the decoder's op limit, which falls through) or a branch, JAL or JALR ending it.
 */
export function translatable(recs: readonly Rec[]): boolean {
  const last = recs.at(-1);
  if (last === undefined) return false;
  if (!handledOp(last) && !(last.op in BRANCHES) && last.op !== 'jal' && last.op !== 'jalr') return false;
  return recs.slice(0, -1).every(handledOp);
}

/** Whether the block's last op branches back to its first instruction. */
export function isSelfLoop(recs: readonly Rec[]): boolean {
  const last = recs.at(-1);
  return last !== undefined && last.op in BRANCHES && last.off + last.imm === 0;
}

/** Whether the translator handles an op that does not end a block (computation, loads, stores). */
export function handledOp(r: Rec): boolean {
  return r.op === 'fence' || r.op in ALU_RR || r.op in ALU_RI || r.op in SHIFT_W || r.op in LOADS || r.op in STORES || r.op === 'lui' || r.op === 'auipc';
}

/**
 * Translates a decoded block into a wasm function (to be put in a module with moduleWithFunctions), or
 * returns undefined when the block has an op the translator does not handle. A self-loop runs as a wasm
 * loop; any other block runs once.
 */
export function translateBlock(block: Block): FunctionSpec | undefined {
  const recs = block.recs;
  if (!translatable(recs)) return undefined;
  const n = recs.length;
  const blockLen = block.len;
  const c = new Code();
  const read = new Set<number>(), written = new Set<number>();
  for (const r of recs) {
    const op = r.op;
    if (op in ALU_RR || op in BRANCHES || op in STORES || op === 'sllw' || op === 'srlw' || op === 'sraw') { read.add(r.rs1); read.add(r.rs2); }
    else if (op !== 'lui' && op !== 'auipc' && op !== 'fence') read.add(r.rs1);
    if (!(op in BRANCHES) && !(op in STORES) && op !== 'fence') written.add(r.rd);
  }
  const live = [...new Set([...read, ...written])].filter((r) => r !== 0 && r !== SINK_REG).sort((a, b) => a - b);
  const x = (r: number): Code => (r === 0 ? c.i64(0n) : c.get(reg(r)));

  // Prologue: TLB pointers and the registers the loop uses.
  c.get(P_HART).mem(Op.i32Load, L.HART_TLB_R).set(L_TLBR);
  c.get(P_HART).mem(Op.i32Load, L.HART_TLB_W).set(L_TLBW);
  for (const r of live) c.get(P_HART).mem(Op.i64Load, L.HART_X + r * 8).set(reg(r));

  c.open(Op.block); // $out
  c.open(Op.loop); //   $top
  recs.forEach((r, k) => {
    const op = r.op;
    if (op === 'fence') { /* memory is sequentially consistent here (one host thread): nothing to order */ }
    else if (op in ALU_RR) { x(r.rs1); x(r.rs2); c.op(...ALU_RR[op]!).set(reg(r.rd)); }
    else if (op in ALU_RI) { x(r.rs1).i64(BigInt(r.imm)).op(...ALU_RI[op]!).set(reg(r.rd)); }
    else if (op in SHIFT_W) {
      x(r.rs1).op(Op.i32WrapI64);
      if (op.endsWith('iw')) c.i32(r.imm); else x(r.rs2).op(Op.i32WrapI64);
      c.op(SHIFT_W[op]!, Op.i64ExtendI32S).set(reg(r.rd));
    } else if (op === 'lui') c.i64(BigInt(r.imm)).set(reg(r.rd));
    else if (op === 'auipc') c.get(P_PC).i64(BigInt(r.off + r.imm)).op(Op.i64Add).set(reg(r.rd));
    else if (op in LOADS || op in STORES) {
      const acc = (LOADS[op] ?? STORES[op])!;
      const isStore = op in STORES;
      // va = x[rs1] + imm; entry = tlb + ((va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE
      x(r.rs1).i64(BigInt(r.imm)).op(Op.i64Add).set(L_VA);
      c.get(isStore ? L_TLBW : L_TLBR).get(L_VA).i64(12n).op(Op.i64ShrU, Op.i32WrapI64)
        .i32(L.TLB_ENTRIES - 1).op(Op.i32And).i32(Math.log2(L.TLB_ENTRY_SIZE)).op(Op.i32Shl, Op.i32Add).set(L_E);
      // Miss (or misaligned): leave before this instruction.
      c.get(L_E).mem(Op.i64Load).get(L_VA).i64(~0xfffn | BigInt(acc.bytes - 1)).op(Op.i64And, Op.i64Ne);
      c.open(Op.if).i64(BigInt(r.off)).set(L_EXIT).get(L_COUNT).i32(k).op(Op.i32Add).set(L_COUNT).br(2).end();
      c.get(L_E).mem(Op.i64Load, 8).get(L_VA).op(Op.i64Add, Op.i32WrapI64);
      if (isStore) { x(r.rs2); c.mem(acc.op); } else c.mem(acc.op).set(reg(r.rd));
    } else if (isSelfLoop(recs) && k === n - 1) {
      // The closing branch: back to the top while taken and the budget allows another whole iteration.
      x(r.rs1); x(r.rs2); c.op(BRANCHES[op]!);
      c.open(Op.if);
      c.get(L_COUNT).i32(n).op(Op.i32Add).tee(L_COUNT).i32(n).op(Op.i32Add).get(P_MAX).op(Op.i32GtS);
      c.open(Op.if).i64(0n).set(L_EXIT).br(3).end();
      c.br(1);
      c.end();
      c.get(L_COUNT).i32(n).op(Op.i32Add).set(L_COUNT).i64(BigInt(blockLen)).set(L_EXIT);
    } else if (op in BRANCHES) {
      // Leaves at the target or falls through (the exit is kept as an offset from the block's pc).
      c.i64(BigInt(r.off + r.imm)).i64(BigInt(blockLen));
      x(r.rs1); x(r.rs2); c.op(BRANCHES[op]!, Op.select).set(L_EXIT);
      c.get(L_COUNT).i32(n).op(Op.i32Add).set(L_COUNT);
    } else if (op === 'jal') {
      c.get(P_PC).i64(BigInt(r.off + r.len)).op(Op.i64Add).set(reg(r.rd));
      c.i64(BigInt(r.off + r.imm)).set(L_EXIT);
      c.get(L_COUNT).i32(n).op(Op.i32Add).set(L_COUNT);
    } else if (op === 'jalr') {
      // The target ((x[rs1] + imm) & ~1, §2.5) is read before rd is written: rd may be rs1.
      x(r.rs1).i64(BigInt(r.imm)).op(Op.i64Add).i64(~1n).op(Op.i64And).get(P_PC).op(Op.i64Sub).set(L_EXIT);
      c.get(P_PC).i64(BigInt(r.off + r.len)).op(Op.i64Add).set(reg(r.rd));
      c.get(L_COUNT).i32(n).op(Op.i32Add).set(L_COUNT);
    }
    if (k === n - 1 && handledOp(r)) {
      // A block cut at the op limit: falls through to the next instruction.
      c.get(L_COUNT).i32(n).op(Op.i32Add).set(L_COUNT).i64(BigInt(blockLen)).set(L_EXIT);
    }
  });
  c.end(); // loop: falls out after a branch not taken
  c.end(); // block $out
  // Epilogue: write back, exit pc, retired count.
  for (const r of live) if (written.has(r)) c.get(P_HART).get(reg(r)).mem(Op.i64Store, L.HART_X + r * 8);
  c.get(P_HART).get(P_PC).get(L_EXIT).op(Op.i64Add).mem(Op.i64Store, L.HART_PC);
  c.get(L_COUNT);
  return { params: [I32, I64, I32], results: [I32], locals: [[I64_LOCALS, I64], [4, I32]], code: c };
}
