// The interpreter: a pre-decoded basic-block cache executed op by op (see docs/adr/0001).
//
// Blocks are keyed by the host address of their first instruction (i.e. by guest-physical address), so
// changes of virtual mapping never stale them; the X TLB translates pc at every block entry, which also
// applies permission changes. A store to a page holding decoded code bumps that page's generation (mmu.ts),
// and a block whose recorded generation differs is decoded again. FENCE.I therefore needs no flush.
// A block ends at a control transfer, at any instruction that may change privilege, translation or interrupt
// state (SYSTEM opcodes), after BLOCK_MAX_OPS instructions, or at the end of the page. Interrupts and host
// exit requests are checked between blocks.
import {
  HART_PC, HART_PRIV, HART_WFI, HART_INSTRET, HART_MSTATUS, HART_MIE, HART_RESERVATION, HART_TLB_X,
  HART_TLB_R, HART_TLB_W, HART_F, SYS_BASE, SYS_EXIT_REQUEST, SYS_JIT_ENABLED, SYS_SBI_MODE, SYS_STAT_BLOCKS_DECODED, SYS_STAT_JIT_RETIRED,
  BLOCKS_BASE, BLOCK_SLOTS, BLOCK_SLOT_SIZE, BLOCK_MAX_OPS, BLOCK_HEADER_SIZE, OP_SIZE, RAM_HOST_BASE,
  RAM_GUEST_BASE, PAGE_GEN_BASE, TLB_ENTRIES, TLB_ENTRY_SIZE, JIT_PENDING, BLOCK_JIT_OFFSET, JIT_COMPILED,
  JIT_LOOP_WARMUP, JIT_BLOCK_WARMUP, JIT_PAGE_WARMUP, PAGE_HEAT_BASE, JIT_COLD, JIT_EARLY, BLOCK_WARMUP_OFFSET, PAGE_FLAGS_BASE, PAGEFLAG_JIT,
} from './gen/layout';
import * as G from './gen/isa';
import {
  H, rd64, wr64, PRV_M, PRV_S, PRV_U, EXIT_BUDGET, EXIT_WFI, EXIT_REQUEST, EXIT_SBI, CAUSE_ILLEGAL,
  CAUSE_BREAKPOINT, CAUSE_ECALL_U, MS_TW, MS_TSR, MS_TVM,
} from './hart';
import { setCurPc, raiseException, checkInterrupts, mipValue, doMret, doSret } from './trap';
import {
  fault, fetchSlow, loadSlow, storeSlow, flushTlb, flushTlbPage, markCodePage, amoTranslate, afterAtomicStore,
} from './mmu';
import { csrRead, csrWrite, csrIllegal, csrWritable, csrRmwBase, setFsDirty } from './csr';
import { execFp, fpEnabled } from './fp';

const TEMP_SLOT: usize = BLOCKS_BASE + <usize>BLOCK_SLOTS * BLOCK_SLOT_SIZE; // one extra slot, never tagged

// JIT tier (src/cpu/jit): a block header's u32 at BLOCK_JIT_OFFSET is 0 for a block that will not be
// translated (JIT off, or the host declined it), a countdown of executions while the block warms up
// (JIT_LOOP_WARMUP for a possible loop head, JIT_BLOCK_WARMUP for any other block: a translation costs
// compile time that only blocks run this often repay), and JIT_COMPILED | table index once translated (the
// host may also set it for other blocks of a page it translated together). Re-decoding a slot resets it;
// in a page the host has translated (PAGEFLAG_JIT) the block asks at once, since the page's function may
// hold it already, and the host answers JIT_COLD when it does not: the block then warms up as any other
// (its countdown is kept at BLOCK_WARMUP_OFFSET, with JIT_EARLY set while it asks early).
// A block's countdown starts again whenever its slot is reused, and during network transfers the cache
// reuses ~100 000 slots a second, so hot kernel blocks spread over many pages never reached theirs. Each RAM
// page therefore also counts the warming-up executions of all its blocks (PAGE_HEAT_BASE, u32 per page),
// which survive slot reuse: from JIT_PAGE_WARMUP on, each warming-up block of the page asks, and the host
// translates it with the page's other blocks that ran since they were decoded and resets the page's count
// (v86 counts hotness per page for the same reason).
const SLOT_JIT: usize = BLOCK_JIT_OFFSET;
/** Executions before a block that jitCompile answered JIT_PENDING (queued for the next batch) asks again. */
const JIT_RETRY: u32 = 32;
/** Most instructions one call of a translated loop may retire before returning to this loop. */
const JIT_MAX_INS: i64 = 1 << 16;
/** Asks the host to translate the block in `slot`: its function table index, JIT_PENDING, or 0 when it cannot. */
@external("env", "jitCompile") declare function jitCompile(slot: u32): u32;

@inline function slotFor(host: usize): usize {
  return BLOCKS_BASE + ((((host >> 1) ^ (host >> 13)) & (BLOCK_SLOTS - 1)) * BLOCK_SLOT_SIZE);
}
@inline function pageGen(host: usize): u32 { return load<u32>(PAGE_GEN_BASE + (((host - RAM_HOST_BASE) >> 12) << 2)); }

/** Ops after which the block ends. */
function isTerminator(op: u32): bool {
  switch (op) {
    case G.OP_JAL: case G.OP_JALR: case G.OP_BEQ: case G.OP_BNE: case G.OP_BLT: case G.OP_BGE:
    case G.OP_BLTU: case G.OP_BGEU: case G.OP_ECALL: case G.OP_EBREAK: case G.OP_MRET: case G.OP_SRET:
    case G.OP_WFI: case G.OP_SFENCE_VMA: case G.OP_FENCE_I: case G.OP_CSRRW: case G.OP_CSRRS:
    case G.OP_CSRRC: case G.OP_CSRRWI: case G.OP_CSRRSI: case G.OP_CSRRCI: case G.OP_ILLEGAL:
      return true;
  }
  return false;
}

/**
 * The block's JIT warm-up count: short for a possible loop head — its last op is a conditional branch back to
 * its first instruction, or the decoder cut it at BLOCK_MAX_OPS inside the page (the host then looks for a
 * continuation block closing the loop) — long for any other block; 0 with the JIT off.
 */
function jitWarmup(slot: usize, n: u32, pageContinues: bool): u32 {
  if (load<u32>(SYS_BASE + SYS_JIT_ENABLED) == 0 || n == 0) return 0;
  const last = slot + BLOCK_HEADER_SIZE + <usize>(n - 1) * OP_SIZE;
  const op = <u32>load<u8>(last, G.REC_OP);
  if (op == G.OP_BEQ || op == G.OP_BNE || op == G.OP_BLT || op == G.OP_BGE || op == G.OP_BLTU || op == G.OP_BGEU) {
    if (<i32>load<u16>(last, G.REC_OFF) + load<i32>(last, G.REC_IMM) == 0) return JIT_LOOP_WARMUP;
  } else if (n == BLOCK_MAX_OPS && pageContinues && !isTerminator(op)) return JIT_LOOP_WARMUP;
  return JIT_BLOCK_WARMUP;
}

/** The slot of the valid decoded block starting at host, or 0 (used by the JIT tier to join blocks). */
export function blockAt(host: u32): u32 {
  const slot = slotFor(<usize>host);
  return load<u32>(slot) == host && load<u32>(slot, 4) == pageGen(<usize>host) ? <u32>slot : 0;
}

/** Decodes one instruction at host into rec; returns its length (2 or 4). h16 is the first parcel. */
@inline function decodeOne(rec: usize, insn: u32, len: u32, off: u32): void {
  if (len == 2) {
    const x = G.rvcExpand(insn & 0xffff);
    if (x == 0) { store<u8>(rec, <u8>G.OP_ILLEGAL); store<u32>(rec, insn & 0xffff, 12); }
    else { G.decode32(x, rec); store<u32>(rec, insn & 0xffff, 12); }
  } else {
    G.decode32(insn, rec);
  }
  store<u8>(rec, <u8>len, 5);
  store<u16>(rec, <u16>off, 6);
}

/**
 * Decodes the block starting at host (pc's host address). Returns the slot to execute, or 0 after raising a
 * fetch exception (only possible for an instruction that crosses into the next page).
 */
function decodeBlock(host: usize, pc: u64): usize {
  const pageLeft = <u32>(4096 - (host & 0xfff));
  const first = <u32>load<u16>(host);
  if ((first & 3) == 3 && pageLeft < 4) {
    // A 32-bit instruction straddling two pages: fetch the second half through the MMU; not cached.
    setCurPc(pc);
    const h2 = fetchSlow(pc + 2);
    if (fault) return 0;
    const insn = first | (<u32>load<u16>(h2) << 16);
    decodeOne(TEMP_SLOT + BLOCK_HEADER_SIZE, insn, 4, 0);
    store<u32>(TEMP_SLOT, 0);
    store<u32>(TEMP_SLOT, 1, 8);
    store<u32>(TEMP_SLOT, 4, 12);
    return TEMP_SLOT;
  }
  const slot = slotFor(host);
  markCodePage(host);
  let off: u32 = 0;
  let n: u32 = 0;
  while (n < BLOCK_MAX_OPS && off < pageLeft) {
    const h = <u32>load<u16>(host + off);
    let len: u32 = 2;
    let insn = h;
    if ((h & 3) == 3) {
      if (pageLeft - off < 4) break; // straddles the page end: becomes the next block's first instruction
      insn = load<u32>(host + off);
      len = 4;
    }
    const rec = slot + BLOCK_HEADER_SIZE + n * OP_SIZE;
    decodeOne(rec, insn, len, off);
    n++;
    off += len;
    if (isTerminator(<u32>load<u8>(rec))) break;
  }
  store<u32>(slot, <u32>host);
  store<u32>(slot, pageGen(host), 4);
  store<u32>(slot, n, 8);
  store<u32>(slot, off, 12);
  const warm = jitWarmup(slot, n, off < pageLeft);
  const early = warm != 0 && (load<u8>(PAGE_FLAGS_BASE + ((host - RAM_HOST_BASE) >> 12)) & PAGEFLAG_JIT) != 0;
  store<u32>(slot, early ? warm | JIT_EARLY : warm, BLOCK_WARMUP_OFFSET);
  store<u32>(slot, early ? 1 : warm, SLOT_JIT);
  store<u64>(SYS_BASE + SYS_STAT_BLOCKS_DECODED, load<u64>(SYS_BASE + SYS_STAT_BLOCKS_DECODED) + 1);
  return slot;
}

// 128-bit multiply helpers for MULH* (M extension §7.1).
function mulhu64(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
function mulh64(a: i64, b: i64): u64 {
  let r = mulhu64(<u64>a, <u64>b);
  if (a < 0) r -= <u64>b;
  if (b < 0) r -= <u64>a;
  return r;
}
function mulhsu64(a: i64, b: u64): u64 {
  let r = mulhu64(<u64>a, b);
  if (a < 0) r -= b;
  return r;
}

@inline function sx32(v: u64): u64 { return <u64><i64><i32><u32>v; }

/**
 * Runs the selected hart for about `budget` instructions. Returns an EXIT_* reason; the hart's pc and all
 * state are in memory on return.
 */
export function run(budget: i64): u32 {
  const R = H; // integer registers at offset 0
  if (load<u32>(R + HART_WFI) != 0) {
    if ((mipValue() & rd64(HART_MIE)) == 0) return EXIT_WFI;
    store<u32>(R + HART_WFI, 0);
  }
  let pc = rd64(HART_PC);
  while (true) {
    if (budget <= 0) { wr64(HART_PC, pc); return EXIT_BUDGET; }
    if (load<u32>(SYS_BASE + SYS_EXIT_REQUEST) != 0) { wr64(HART_PC, pc); return EXIT_REQUEST; }
    if ((mipValue() & rd64(HART_MIE)) != 0) {
      wr64(HART_PC, pc);
      if (checkInterrupts()) pc = rd64(HART_PC);
    }
    // Fetch: translate pc through the X TLB.
    const xe = <usize>load<u32>(R + HART_TLB_X) + ((<usize>(pc >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
    let host: usize;
    if (load<u64>(xe) == (pc & ~<u64>0xfff)) host = <usize>(pc + load<u64>(xe, 8));
    else {
      setCurPc(pc);
      host = fetchSlow(pc);
      if (fault) { pc = rd64(HART_PC); budget--; continue; }
    }
    let slot = slotFor(host);
    if (load<u32>(slot) != <u32>host || load<u32>(slot, 4) != pageGen(host)) {
      slot = decodeBlock(host, pc);
      if (slot == 0) { pc = rd64(HART_PC); budget--; continue; }
    }
    const jit = load<u32>(slot, SLOT_JIT);
    if (jit != 0) {
      let fn: u32 = 0;
      if (jit & JIT_COMPILED) fn = jit & ~JIT_COMPILED;
      else if (jit == 1) {
        fn = jitCompile(<u32>slot);
        if (fn == JIT_PENDING) { fn = 0; store<u32>(slot, JIT_RETRY, SLOT_JIT); }
        else if (fn == JIT_COLD) {
          fn = 0;
          const warm = load<u32>(slot, BLOCK_WARMUP_OFFSET) & ~JIT_EARLY;
          store<u32>(slot, warm, BLOCK_WARMUP_OFFSET);
          store<u32>(slot, warm, SLOT_JIT);
        }
        else store<u32>(slot, fn != 0 ? JIT_COMPILED | fn : 0, SLOT_JIT);
      } else {
        const hp = PAGE_HEAT_BASE + (((host - RAM_HOST_BASE) >> 12) << 2);
        const heat = load<u32>(hp);
        if (heat >= JIT_PAGE_WARMUP) store<u32>(slot, 1, SLOT_JIT); // ask next time; the host resets the count
        else { store<u32>(hp, heat + 1); store<u32>(slot, jit - 1, SLOT_JIT); }
      }
      if (fn != 0) {
        const done = call_indirect<i32>(fn, R, pc, <i32>(budget < JIT_MAX_INS ? budget : JIT_MAX_INS));
        // Nothing retired: the first instruction needs the interpreter's slow path (TLB miss, fault, MMIO).
        if (done != 0) {
          budget -= <i64>done;
          store<u64>(R + HART_INSTRET, load<u64>(R + HART_INSTRET) + <u64>done);
          store<u64>(SYS_BASE + SYS_STAT_JIT_RETIRED, load<u64>(SYS_BASE + SYS_STAT_JIT_RETIRED) + <u64>done);
          pc = rd64(HART_PC);
          continue;
        }
      }
    }
    const n = load<u32>(slot, 8);
    budget -= <i64>n;
    store<u64>(R + HART_INSTRET, load<u64>(R + HART_INSTRET) + <u64>n);
    const tlbR = <usize>load<u32>(R + HART_TLB_R);
    const tlbW = <usize>load<u32>(R + HART_TLB_W);
    let rec = slot + BLOCK_HEADER_SIZE;
    const end = rec + <usize>n * OP_SIZE;
    let next = pc + <u64>load<u32>(slot, 12);
    let trapped = false;
    while (rec < end) {
      const op = <u32>load<u8>(rec);
      const rd = <usize>load<u8>(rec, 1) << 3;
      const rs1 = <usize>load<u8>(rec, 2) << 3;
      const rs2 = <usize>load<u8>(rec, 3) << 3;
      const imm = <i64>load<i32>(rec, 8);
      switch (op) {
        // ---- RV64I integer computational (§2.4, §5.2) ----
        case G.OP_ADDI: store<u64>(R + rd, load<u64>(R + rs1) + imm); break;
        case G.OP_ADD: store<u64>(R + rd, load<u64>(R + rs1) + load<u64>(R + rs2)); break;
        case G.OP_SUB: store<u64>(R + rd, load<u64>(R + rs1) - load<u64>(R + rs2)); break;
        case G.OP_LUI: store<u64>(R + rd, <u64>imm); break;
        case G.OP_AUIPC: store<u64>(R + rd, pc + <u64>load<u16>(rec, 6) + imm); break;
        case G.OP_SLTI: store<u64>(R + rd, <i64>load<u64>(R + rs1) < imm ? 1 : 0); break;
        case G.OP_SLTIU: store<u64>(R + rd, load<u64>(R + rs1) < <u64>imm ? 1 : 0); break;
        case G.OP_XORI: store<u64>(R + rd, load<u64>(R + rs1) ^ imm); break;
        case G.OP_ORI: store<u64>(R + rd, load<u64>(R + rs1) | imm); break;
        case G.OP_ANDI: store<u64>(R + rd, load<u64>(R + rs1) & imm); break;
        case G.OP_SLLI: store<u64>(R + rd, load<u64>(R + rs1) << imm); break;
        case G.OP_SRLI: store<u64>(R + rd, load<u64>(R + rs1) >> imm); break;
        case G.OP_SRAI: store<u64>(R + rd, <u64>(<i64>load<u64>(R + rs1) >> imm)); break;
        case G.OP_SLL: store<u64>(R + rd, load<u64>(R + rs1) << (load<u64>(R + rs2) & 63)); break;
        case G.OP_SRL: store<u64>(R + rd, load<u64>(R + rs1) >> (load<u64>(R + rs2) & 63)); break;
        case G.OP_SRA: store<u64>(R + rd, <u64>(<i64>load<u64>(R + rs1) >> (load<u64>(R + rs2) & 63))); break;
        case G.OP_SLT: store<u64>(R + rd, <i64>load<u64>(R + rs1) < <i64>load<u64>(R + rs2) ? 1 : 0); break;
        case G.OP_SLTU: store<u64>(R + rd, load<u64>(R + rs1) < load<u64>(R + rs2) ? 1 : 0); break;
        case G.OP_XOR: store<u64>(R + rd, load<u64>(R + rs1) ^ load<u64>(R + rs2)); break;
        case G.OP_OR: store<u64>(R + rd, load<u64>(R + rs1) | load<u64>(R + rs2)); break;
        case G.OP_AND: store<u64>(R + rd, load<u64>(R + rs1) & load<u64>(R + rs2)); break;
        case G.OP_ADDIW: store<u64>(R + rd, sx32(load<u64>(R + rs1) + imm)); break;
        case G.OP_SLLIW: store<u64>(R + rd, sx32(load<u64>(R + rs1) << imm)); break;
        case G.OP_SRLIW: store<u64>(R + rd, sx32(<u64>(<u32>load<u64>(R + rs1) >> <u32>imm))); break;
        case G.OP_SRAIW: store<u64>(R + rd, <u64><i64>(<i32>load<u64>(R + rs1) >> <i32>imm)); break;
        case G.OP_ADDW: store<u64>(R + rd, sx32(load<u64>(R + rs1) + load<u64>(R + rs2))); break;
        case G.OP_SUBW: store<u64>(R + rd, sx32(load<u64>(R + rs1) - load<u64>(R + rs2))); break;
        case G.OP_SLLW: store<u64>(R + rd, sx32(<u64>(<u32>load<u64>(R + rs1) << (<u32>load<u64>(R + rs2) & 31)))); break;
        case G.OP_SRLW: store<u64>(R + rd, sx32(<u64>(<u32>load<u64>(R + rs1) >> (<u32>load<u64>(R + rs2) & 31)))); break;
        case G.OP_SRAW: store<u64>(R + rd, <u64><i64>(<i32>load<u64>(R + rs1) >> (<i32>load<u64>(R + rs2) & 31))); break;

        // ---- control transfer (§2.5): always the last op of a block ----
        case G.OP_JAL: {
          const ipc = pc + <u64>load<u16>(rec, 6);
          store<u64>(R + rd, ipc + <u64>load<u8>(rec, 5));
          next = ipc + imm;
          break;
        }
        case G.OP_JALR: {
          const ipc = pc + <u64>load<u16>(rec, 6);
          const t = (load<u64>(R + rs1) + imm) & ~<u64>1;
          store<u64>(R + rd, ipc + <u64>load<u8>(rec, 5));
          next = t;
          break;
        }
        case G.OP_BEQ: if (load<u64>(R + rs1) == load<u64>(R + rs2)) next = pc + <u64>load<u16>(rec, 6) + imm; break;
        case G.OP_BNE: if (load<u64>(R + rs1) != load<u64>(R + rs2)) next = pc + <u64>load<u16>(rec, 6) + imm; break;
        case G.OP_BLT: if (<i64>load<u64>(R + rs1) < <i64>load<u64>(R + rs2)) next = pc + <u64>load<u16>(rec, 6) + imm; break;
        case G.OP_BGE: if (<i64>load<u64>(R + rs1) >= <i64>load<u64>(R + rs2)) next = pc + <u64>load<u16>(rec, 6) + imm; break;
        case G.OP_BLTU: if (load<u64>(R + rs1) < load<u64>(R + rs2)) next = pc + <u64>load<u16>(rec, 6) + imm; break;
        case G.OP_BGEU: if (load<u64>(R + rs1) >= load<u64>(R + rs2)) next = pc + <u64>load<u16>(rec, 6) + imm; break;

        // ---- loads (§2.6, §5.3): TLB hit inline; misaligned accesses and misses go to loadSlow ----
        case G.OP_LD: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & 0xfffffffffffff007)) v = load<u64>(<usize>(va + load<u64>(e, 8)));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            v = loadSlow(va, 8);
            if (fault) { trapped = true; break; }
          }
          store<u64>(R + rd, v);
          break;
        }
        case G.OP_LW: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & 0xfffffffffffff003)) v = <u64>load<u32>(<usize>(va + load<u64>(e, 8)));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            v = loadSlow(va, 4);
            if (fault) { trapped = true; break; }
          }
          store<u64>(R + rd, sx32(v));
          break;
        }
        case G.OP_LWU: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & 0xfffffffffffff003)) v = <u64>load<u32>(<usize>(va + load<u64>(e, 8)));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            v = loadSlow(va, 4);
            if (fault) { trapped = true; break; }
          }
          store<u64>(R + rd, v);
          break;
        }
        case G.OP_LH: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & 0xfffffffffffff001)) v = <u64>load<u16>(<usize>(va + load<u64>(e, 8)));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            v = loadSlow(va, 2);
            if (fault) { trapped = true; break; }
          }
          store<u64>(R + rd, <u64><i64><i16><u16>v);
          break;
        }
        case G.OP_LHU: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & 0xfffffffffffff001)) v = <u64>load<u16>(<usize>(va + load<u64>(e, 8)));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            v = loadSlow(va, 2);
            if (fault) { trapped = true; break; }
          }
          store<u64>(R + rd, v);
          break;
        }
        case G.OP_LB: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & 0xfffffffffffff000)) v = <u64>load<u8>(<usize>(va + load<u64>(e, 8)));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            v = loadSlow(va, 1);
            if (fault) { trapped = true; break; }
          }
          store<u64>(R + rd, <u64><i64><i8><u8>v);
          break;
        }
        case G.OP_LBU: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & 0xfffffffffffff000)) v = <u64>load<u8>(<usize>(va + load<u64>(e, 8)));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            v = loadSlow(va, 1);
            if (fault) { trapped = true; break; }
          }
          store<u64>(R + rd, v);
          break;
        }
        // ---- stores ----
        case G.OP_SD: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbW + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          if (load<u64>(e) == (va & 0xfffffffffffff007)) store<u64>(<usize>(va + load<u64>(e, 8)), load<u64>(R + rs2));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            storeSlow(va, 8, load<u64>(R + rs2));
            if (fault) { trapped = true; break; }
          }
          break;
        }
        case G.OP_SW: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbW + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          if (load<u64>(e) == (va & 0xfffffffffffff003)) store<u32>(<usize>(va + load<u64>(e, 8)), <u32>load<u64>(R + rs2));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            storeSlow(va, 4, load<u64>(R + rs2));
            if (fault) { trapped = true; break; }
          }
          break;
        }
        case G.OP_SH: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbW + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          if (load<u64>(e) == (va & 0xfffffffffffff001)) store<u16>(<usize>(va + load<u64>(e, 8)), <u16>load<u64>(R + rs2));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            storeSlow(va, 2, load<u64>(R + rs2));
            if (fault) { trapped = true; break; }
          }
          break;
        }
        case G.OP_SB: {
          const va = load<u64>(R + rs1) + imm;
          const e = tlbW + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          if (load<u64>(e) == (va & 0xfffffffffffff000)) store<u8>(<usize>(va + load<u64>(e, 8)), <u8>load<u64>(R + rs2));
          else {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            storeSlow(va, 1, load<u64>(R + rs2));
            if (fault) { trapped = true; break; }
          }
          break;
        }
        // ---- FP loads and stores (§11.5, §12.3) ----
        case G.OP_FLW: case G.OP_FLD: {
          setCurPc(pc + <u64>load<u16>(rec, 6));
          if (!fpEnabled()) { raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12)); trapped = true; break; }
          const size: u32 = op == G.OP_FLD ? 8 : 4;
          const va = load<u64>(R + rs1) + imm;
          const e = tlbR + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          let v: u64;
          if (load<u64>(e) == (va & (0xfffffffffffff000 | <u64>(size - 1)))) {
            const a = <usize>(va + load<u64>(e, 8));
            v = size == 8 ? load<u64>(a) : <u64>load<u32>(a);
          } else {
            v = loadSlow(va, size);
            if (fault) { trapped = true; break; }
          }
          // rd holds an f register number here (the decoder does not redirect FP destinations).
          store<u64>(R + HART_F + rd, size == 8 ? v : (0xffffffff00000000 | v));
          setFsDirty();
          break;
        }
        case G.OP_FSW: case G.OP_FSD: {
          setCurPc(pc + <u64>load<u16>(rec, 6));
          if (!fpEnabled()) { raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12)); trapped = true; break; }
          const size: u32 = op == G.OP_FSD ? 8 : 4;
          const va = load<u64>(R + rs1) + imm;
          const v = load<u64>(R + HART_F + rs2);
          const e = tlbW + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
          if (load<u64>(e) == (va & (0xfffffffffffff000 | <u64>(size - 1)))) {
            const a = <usize>(va + load<u64>(e, 8));
            if (size == 8) store<u64>(a, v); else store<u32>(a, <u32>v);
          } else {
            storeSlow(va, size, v);
            if (fault) { trapped = true; break; }
          }
          break;
        }

        // ---- M extension (§7) ----
        case G.OP_MUL: store<u64>(R + rd, load<u64>(R + rs1) * load<u64>(R + rs2)); break;
        case G.OP_MULH: store<u64>(R + rd, mulh64(<i64>load<u64>(R + rs1), <i64>load<u64>(R + rs2))); break;
        case G.OP_MULHSU: store<u64>(R + rd, mulhsu64(<i64>load<u64>(R + rs1), load<u64>(R + rs2))); break;
        case G.OP_MULHU: store<u64>(R + rd, mulhu64(load<u64>(R + rs1), load<u64>(R + rs2))); break;
        case G.OP_MULW: store<u64>(R + rd, sx32(load<u64>(R + rs1) * load<u64>(R + rs2))); break;
        case G.OP_DIV: {
          const a = <i64>load<u64>(R + rs1), b = <i64>load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? 0xffffffffffffffff : (a == i64.MIN_VALUE && b == -1) ? <u64>a : <u64>(a / b));
          break;
        }
        case G.OP_DIVU: {
          const a = load<u64>(R + rs1), b = load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? 0xffffffffffffffff : a / b);
          break;
        }
        case G.OP_REM: {
          const a = <i64>load<u64>(R + rs1), b = <i64>load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? <u64>a : (a == i64.MIN_VALUE && b == -1) ? 0 : <u64>(a % b));
          break;
        }
        case G.OP_REMU: {
          const a = load<u64>(R + rs1), b = load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? a : a % b);
          break;
        }
        case G.OP_DIVW: {
          const a = <i32>load<u64>(R + rs1), b = <i32>load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? 0xffffffffffffffff : (a == i32.MIN_VALUE && b == -1) ? <u64><i64>a : <u64><i64>(a / b));
          break;
        }
        case G.OP_DIVUW: {
          const a = <u32>load<u64>(R + rs1), b = <u32>load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? 0xffffffffffffffff : sx32(<u64>(a / b)));
          break;
        }
        case G.OP_REMW: {
          const a = <i32>load<u64>(R + rs1), b = <i32>load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? <u64><i64>a : (a == i32.MIN_VALUE && b == -1) ? 0 : <u64><i64>(a % b));
          break;
        }
        case G.OP_REMUW: {
          const a = <u32>load<u64>(R + rs1), b = <u32>load<u64>(R + rs2);
          store<u64>(R + rd, b == 0 ? sx32(<u64>a) : sx32(<u64>(a % b)));
          break;
        }

        // ---- A extension (§8): LR/SC with a reservation on the physical address; AMOs ----
        case G.OP_LR_W: case G.OP_LR_D: {
          const size: u32 = op == G.OP_LR_D ? 8 : 4;
          setCurPc(pc + <u64>load<u16>(rec, 6));
          const a = amoTranslate(load<u64>(R + rs1), size, true);
          if (fault) { trapped = true; break; }
          store<u64>(R + HART_RESERVATION, <u64>(a - RAM_HOST_BASE) + RAM_GUEST_BASE);
          store<u64>(R + rd, size == 8 ? load<u64>(a) : sx32(<u64>load<u32>(a)));
          break;
        }
        case G.OP_SC_W: case G.OP_SC_D: {
          const size: u32 = op == G.OP_SC_D ? 8 : 4;
          setCurPc(pc + <u64>load<u16>(rec, 6));
          const a = amoTranslate(load<u64>(R + rs1), size, false);
          if (fault) { trapped = true; break; }
          const pa = <u64>(a - RAM_HOST_BASE) + RAM_GUEST_BASE;
          if (load<u64>(R + HART_RESERVATION) == pa) {
            if (size == 8) store<u64>(a, load<u64>(R + rs2)); else store<u32>(a, <u32>load<u64>(R + rs2));
            afterAtomicStore(a, size);
            store<u64>(R + rd, 0);
          } else {
            store<u64>(R + rd, 1);
          }
          store<u64>(R + HART_RESERVATION, 0xffffffffffffffff);
          break;
        }
        case G.OP_AMOSWAP_W: case G.OP_AMOADD_W: case G.OP_AMOXOR_W: case G.OP_AMOAND_W: case G.OP_AMOOR_W:
        case G.OP_AMOMIN_W: case G.OP_AMOMAX_W: case G.OP_AMOMINU_W: case G.OP_AMOMAXU_W: {
          setCurPc(pc + <u64>load<u16>(rec, 6));
          const a = amoTranslate(load<u64>(R + rs1), 4, false);
          if (fault) { trapped = true; break; }
          const old = load<u32>(a);
          const s = <u32>load<u64>(R + rs2);
          let nv: u32;
          switch (op) {
            case G.OP_AMOSWAP_W: nv = s; break;
            case G.OP_AMOADD_W: nv = old + s; break;
            case G.OP_AMOXOR_W: nv = old ^ s; break;
            case G.OP_AMOAND_W: nv = old & s; break;
            case G.OP_AMOOR_W: nv = old | s; break;
            case G.OP_AMOMIN_W: nv = <i32>old < <i32>s ? old : s; break;
            case G.OP_AMOMAX_W: nv = <i32>old > <i32>s ? old : s; break;
            case G.OP_AMOMINU_W: nv = old < s ? old : s; break;
            default: nv = old > s ? old : s;
          }
          store<u32>(a, nv);
          afterAtomicStore(a, 4);
          store<u64>(R + rd, sx32(<u64>old));
          break;
        }
        case G.OP_AMOSWAP_D: case G.OP_AMOADD_D: case G.OP_AMOXOR_D: case G.OP_AMOAND_D: case G.OP_AMOOR_D:
        case G.OP_AMOMIN_D: case G.OP_AMOMAX_D: case G.OP_AMOMINU_D: case G.OP_AMOMAXU_D: {
          setCurPc(pc + <u64>load<u16>(rec, 6));
          const a = amoTranslate(load<u64>(R + rs1), 8, false);
          if (fault) { trapped = true; break; }
          const old = load<u64>(a);
          const s = load<u64>(R + rs2);
          let nv: u64;
          switch (op) {
            case G.OP_AMOSWAP_D: nv = s; break;
            case G.OP_AMOADD_D: nv = old + s; break;
            case G.OP_AMOXOR_D: nv = old ^ s; break;
            case G.OP_AMOAND_D: nv = old & s; break;
            case G.OP_AMOOR_D: nv = old | s; break;
            case G.OP_AMOMIN_D: nv = <i64>old < <i64>s ? old : s; break;
            case G.OP_AMOMAX_D: nv = <i64>old > <i64>s ? old : s; break;
            case G.OP_AMOMINU_D: nv = old < s ? old : s; break;
            default: nv = old > s ? old : s;
          }
          store<u64>(a, nv);
          afterAtomicStore(a, 8);
          store<u64>(R + rd, old);
          break;
        }

        // ---- fences: code writes are tracked per page, so FENCE.I needs no work (see header) ----
        case G.OP_FENCE: case G.OP_FENCE_I: break;

        // ---- SYSTEM (privileged ISA §3.3) ----
        case G.OP_ECALL: {
          const ipc = pc + <u64>load<u16>(rec, 6);
          const p = load<u32>(R + HART_PRIV);
          if (p == PRV_S && load<u32>(SYS_BASE + SYS_SBI_MODE) != 0) {
            wr64(HART_PC, ipc);
            return EXIT_SBI;
          }
          setCurPc(ipc);
          raiseException(CAUSE_ECALL_U + <u64>p, 0);
          trapped = true;
          break;
        }
        case G.OP_EBREAK: {
          const ipc = pc + <u64>load<u16>(rec, 6);
          setCurPc(ipc);
          raiseException(CAUSE_BREAKPOINT, ipc);
          trapped = true;
          break;
        }
        case G.OP_MRET: case G.OP_SRET: {
          const p = load<u32>(R + HART_PRIV);
          const ok = op == G.OP_MRET ? p == PRV_M : (p == PRV_M || (p == PRV_S && (rd64(HART_MSTATUS) & MS_TSR) == 0));
          setCurPc(pc + <u64>load<u16>(rec, 6));
          if (!ok) { raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12)); trapped = true; break; }
          if (op == G.OP_MRET) doMret(); else doSret();
          next = rd64(HART_PC);
          break;
        }
        case G.OP_WFI: {
          const p = load<u32>(R + HART_PRIV);
          const ipc = pc + <u64>load<u16>(rec, 6);
          if (p == PRV_U || (p == PRV_S && (rd64(HART_MSTATUS) & MS_TW) != 0)) {
            setCurPc(ipc);
            raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12));
            trapped = true;
            break;
          }
          // §3.3.3: resume when any interrupt is pending in mie, regardless of the global enables.
          if ((mipValue() & rd64(HART_MIE)) == 0) {
            wr64(HART_PC, next);
            store<u32>(R + HART_WFI, 1);
            return EXIT_WFI;
          }
          break;
        }
        case G.OP_SFENCE_VMA: {
          const p = load<u32>(R + HART_PRIV);
          if (p == PRV_U || (p == PRV_S && (rd64(HART_MSTATUS) & MS_TVM) != 0)) {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12));
            trapped = true;
            break;
          }
          // §4.2.1: rs1 = x0 orders all addresses; otherwise only the leaf mapping x[rs1]. ASIDs are not
          // tagged in hv's TLB, so rs2 only narrows what the guest asks for and is ignored (a superset).
          if (rs1 == 0) flushTlb(); else flushTlbPage(load<u64>(R + rs1));
          break;
        }
        case G.OP_CSRRW: case G.OP_CSRRS: case G.OP_CSRRC: case G.OP_CSRRWI: case G.OP_CSRRSI: case G.OP_CSRRCI: {
          const num = <u32>imm & 0xfff;
          const isImm = op >= G.OP_CSRRWI;
          const src: u64 = isImm ? <u64>(rs1 >> 3) : load<u64>(R + rs1);
          const isW = op == G.OP_CSRRW || op == G.OP_CSRRWI;
          const writes = isW || (rs1 >> 3) != 0;
          setCurPc(pc + <u64>load<u16>(rec, 6));
          const old = csrRead(num);
          if (csrIllegal || (writes && !csrWritable(num))) { raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12)); trapped = true; break; }
          if (writes) {
            const base = isW ? 0 : csrRmwBase(num, old);
            const nv = isW ? src : (op == G.OP_CSRRS || op == G.OP_CSRRSI) ? base | src : base & ~src;
            csrWrite(num, nv);
            if (csrIllegal) { raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12)); trapped = true; break; }
          }
          store<u64>(R + rd, old);
          break;
        }
        case G.OP_ILLEGAL: {
          setCurPc(pc + <u64>load<u16>(rec, 6));
          raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12));
          trapped = true;
          break;
        }
        default: {
          // F and D computational ops.
          if (!execFp(op, rec)) {
            setCurPc(pc + <u64>load<u16>(rec, 6));
            raiseException(CAUSE_ILLEGAL, <u64>load<u32>(rec, 12));
            trapped = true;
          }
        }
      }
      if (trapped) {
        // Instructions from the trapping one on did not retire.
        const left = <u64>((end - rec) / OP_SIZE);
        store<u64>(R + HART_INSTRET, load<u64>(R + HART_INSTRET) - left);
        budget += <i64>left;
        next = rd64(HART_PC);
        break;
      }
      rec += OP_SIZE;
    }
    pc = next;
  }
  return EXIT_BUDGET;
}

