// Control and status registers (privileged ISA 1.12 chapter 2 "CSRs", Table 2.2–2.5; §3.1 machine CSRs;
// §4.1 supervisor CSRs; unprivileged ISA chapter 10 "Zicntr" and §11.2 "fcsr").
// csrRead/csrWrite implement access checks (§2.1: bits 9:8 = lowest privilege, bits 11:10 == 3 = read-only)
// and side effects; they set `csrIllegal` instead of trapping so the interpreter raises the exception with
// the instruction bits as tval.
import {
  HART_PRIV, HART_MSTATUS, HART_MISA, HART_MEDELEG, HART_MIDELEG, HART_MIE, HART_MIP, HART_MTVEC,
  HART_MCOUNTEREN, HART_MCOUNTINHIBIT, HART_MSCRATCH, HART_MEPC, HART_MCAUSE, HART_MTVAL, HART_MENVCFG,
  HART_STVEC, HART_SCOUNTEREN, HART_SSCRATCH, HART_SEPC, HART_SCAUSE, HART_STVAL, HART_SENVCFG, HART_SATP,
  HART_FCSR, HART_MHARTID, HART_PMPCFG, HART_PMPADDR, HART_INSTRET, HART_MCYCLE_OFFSET, HART_MINSTRET_OFFSET,
  SYS_BASE, SYS_TIME_BASE, SYS_TIMEBASE_KHZ, SYS_MTIME_OFFSET,
} from './gen/layout';
import {
  H, rd64, wr64, PRV_M, PRV_S, PRV_U, MS_SIE, MS_MIE, MS_SPIE, MS_MPIE, MS_SPP, MS_MPP, MS_FS, MS_MPRV, MS_SUM,
  MS_MXR, MS_TVM, MS_TW, MS_TSR, MS_UXL, MS_SXL, MS_SD, IRQ_SSI, IRQ_STI, IRQ_SEI, IRQ_ALL_MASK, IRQ_S_MASK,
  updateTlbPointers,
} from './hart';
import { mipValue } from './trap';
import { flushTlb } from './mmu';

@external("env", "now") declare function hostNow(): f64;

export let csrIllegal: bool = false;

export const MISA_VALUE: u64 = (<u64>2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

const MSTATUS_WMASK: u64 = MS_SIE | MS_MIE | MS_SPIE | MS_MPIE | MS_SPP | MS_MPP | MS_FS | MS_MPRV | MS_SUM | MS_MXR | MS_TVM | MS_TW | MS_TSR;
const SSTATUS_MASK: u64 = MS_SIE | MS_SPIE | MS_SPP | MS_FS | MS_SUM | MS_MXR | MS_UXL | MS_SD;
const SSTATUS_WMASK: u64 = MS_SIE | MS_SPIE | MS_SPP | MS_FS | MS_SUM | MS_MXR;
// Exceptions that may be delegated: all defined synchronous causes except ECALL from M (11).
const MEDELEG_MASK: u64 = 0xb3ff;
const MIE_MASK: u64 = IRQ_ALL_MASK;
const MIP_WMASK: u64 = IRQ_SSI | IRQ_STI | IRQ_SEI;

/** Current mtime (10 MHz ticks by default), from the host's monotonic clock. */
export function mtime(): u64 {
  const t = (hostNow() - load<f64>(SYS_BASE + SYS_TIME_BASE)) * load<f64>(SYS_BASE + SYS_TIMEBASE_KHZ);
  return (t > 0 ? <u64>t : 0) + load<u64>(SYS_BASE + SYS_MTIME_OFFSET);
}

/** Sets SD from FS (§3.1.6.6; XS and VS are always 0 here). */
@inline export function withSd(ms: u64): u64 { return (ms & MS_FS) == MS_FS ? ms | MS_SD : ms & ~MS_SD; }

/** Marks the FP state dirty (FS = 3). */
export function setFsDirty(): void { wr64(HART_MSTATUS, rd64(HART_MSTATUS) | MS_FS | MS_SD); }

/** Counter access from S/U (§3.1.11 mcounteren, §4.1.5 scounteren): bit = csr - 0xc00. */
function counterAllowed(bit: u32): bool {
  const p = load<u32>(H + HART_PRIV);
  if (p == PRV_M) return true;
  if (((rd64(HART_MCOUNTEREN) >> bit) & 1) == 0) return false;
  if (p == PRV_U && ((rd64(HART_SCOUNTEREN) >> bit) & 1) == 0) return false;
  return true;
}

/**
 * Instructions retired before the current one. The interpreter counts a block's instructions when it enters
 * the block and CSR instructions end blocks, so the running CSR instruction is already included; after a
 * write of v, the next instruction reads v (the writing instruction's own increment is absorbed).
 */
@inline function retired(): u64 { return rd64(HART_INSTRET) - 1; }

// mcycle and minstret (§3.1.11, §3.1.12 mcountinhibit). Both count retired instructions (one cycle per
// instruction). The offset field holds `value - instret` while counting, and the frozen value itself
// while inhibited.
@inline function counterOffset(bit: u32): u32 { return bit == 0 ? HART_MCYCLE_OFFSET : HART_MINSTRET_OFFSET; }
@inline function inhibited(bit: u32): bool { return ((rd64(HART_MCOUNTINHIBIT) >> bit) & 1) != 0; }
function counter(bit: u32): u64 {
  const off = rd64(counterOffset(bit));
  return inhibited(bit) ? off : retired() + off;
}
function setCounter(bit: u32, v: u64): void {
  // After a write of v, the next instruction reads v (the writer's own increment is absorbed).
  wr64(counterOffset(bit), inhibited(bit) ? v : v - rd64(HART_INSTRET));
}
function writeCountInhibit(v: u64): void {
  for (let bit: u32 = 0; bit <= 2; bit += 2) {
    const was = inhibited(bit), now = ((v >> bit) & 1) != 0;
    if (was == now) continue;
    const cur = counter(bit);
    wr64(HART_MCOUNTINHIBIT, (rd64(HART_MCOUNTINHIBIT) & ~(<u64>1 << bit)) | (now ? <u64>1 << bit : 0));
    setCounter(bit, cur);
  }
  wr64(HART_MCOUNTINHIBIT, v);
}

function fsOn(): bool { return (rd64(HART_MSTATUS) & MS_FS) != 0; }

/** Reads CSR num; sets csrIllegal on an illegal access. `p` checks happen here. */
export function csrRead(num: u32): u64 {
  csrIllegal = false;
  const p = load<u32>(H + HART_PRIV);
  if (((num >> 8) & 3) > p) { csrIllegal = true; return 0; }
  switch (num) {
    case 0x001: if (!fsOn()) break; return rd64(HART_FCSR) & 0x1f;
    case 0x002: if (!fsOn()) break; return (rd64(HART_FCSR) >> 5) & 7;
    case 0x003: if (!fsOn()) break; return rd64(HART_FCSR) & 0xff;
    case 0xc00: if (!counterAllowed(0)) break; return counter(0);
    case 0xc01: if (!counterAllowed(1)) break; return mtime();
    case 0xc02: if (!counterAllowed(2)) break; return counter(2);
    case 0x100: return withSd(rd64(HART_MSTATUS)) & SSTATUS_MASK;
    case 0x104: return rd64(HART_MIE) & rd64(HART_MIDELEG);
    case 0x105: return rd64(HART_STVEC);
    case 0x106: return rd64(HART_SCOUNTEREN);
    case 0x10a: return rd64(HART_SENVCFG);
    case 0x140: return rd64(HART_SSCRATCH);
    case 0x141: return rd64(HART_SEPC);
    case 0x142: return rd64(HART_SCAUSE);
    case 0x143: return rd64(HART_STVAL);
    case 0x144: return mipValue() & rd64(HART_MIDELEG);
    case 0x180:
      if (p == PRV_S && (rd64(HART_MSTATUS) & MS_TVM) != 0) break;
      return rd64(HART_SATP);
    case 0xf11: case 0xf12: case 0xf13: case 0xf15: return 0;
    case 0xf14: return rd64(HART_MHARTID);
    case 0x300: return withSd(rd64(HART_MSTATUS));
    case 0x301: return MISA_VALUE;
    case 0x302: return rd64(HART_MEDELEG);
    case 0x303: return rd64(HART_MIDELEG);
    case 0x304: return rd64(HART_MIE);
    case 0x305: return rd64(HART_MTVEC);
    case 0x306: return rd64(HART_MCOUNTEREN);
    case 0x30a: return rd64(HART_MENVCFG);
    case 0x320: return rd64(HART_MCOUNTINHIBIT);
    case 0x340: return rd64(HART_MSCRATCH);
    case 0x341: return rd64(HART_MEPC);
    case 0x342: return rd64(HART_MCAUSE);
    case 0x343: return rd64(HART_MTVAL);
    case 0x344: return mipValue();
    case 0x3a0: return load<u64>(H + HART_PMPCFG);
    case 0x3a2: return load<u64>(H + HART_PMPCFG + 8);
    case 0xb00: return counter(0);
    case 0xb02: return counter(2);
    case 0x7a0: return 0; // tselect: no triggers (tdata1 type 0)
    case 0x7a1: case 0x7a2: case 0x7a3: return 0;
    default:
      if (num >= 0x3b0 && num <= 0x3bf) return load<u64>(H + HART_PMPADDR + ((num - 0x3b0) << 3));
      if (num >= 0x3c0 && num <= 0x3ef) return 0;               // pmpaddr16..63: not implemented, read zero
      if (num >= 0x3a4 && num <= 0x3ae && (num & 1) == 0) return 0; // pmpcfg4..14 likewise
      if (num >= 0xc03 && num <= 0xc1f) { if (!counterAllowed(num - 0xc00)) break; return 0; }
      if (num >= 0xb03 && num <= 0xb1f) return 0;               // mhpmcounterN
      if (num >= 0x323 && num <= 0x33f) return 0;               // mhpmeventN
  }
  csrIllegal = true;
  return 0;
}

/** Writes CSR num (the caller has already checked read-only encodings via csrWritable). */
export function csrWrite(num: u32, v: u64): void {
  csrIllegal = false;
  switch (num) {
    case 0x001: wr64(HART_FCSR, (rd64(HART_FCSR) & ~<u64>0x1f) | (v & 0x1f)); setFsDirty(); return;
    case 0x002: wr64(HART_FCSR, (rd64(HART_FCSR) & 0x1f) | ((v & 7) << 5)); setFsDirty(); return;
    case 0x003: wr64(HART_FCSR, v & 0xff); setFsDirty(); return;
    case 0x100: writeMstatus((rd64(HART_MSTATUS) & ~SSTATUS_WMASK) | (v & SSTATUS_WMASK)); return;
    case 0x104: { const d = rd64(HART_MIDELEG); wr64(HART_MIE, (rd64(HART_MIE) & ~d) | (v & d)); return; }
    case 0x105: writeTvec(HART_STVEC, v); return;
    case 0x106: wr64(HART_SCOUNTEREN, v & 0xffffffff); return;
    case 0x10a: wr64(HART_SENVCFG, v & 1); return;
    case 0x140: wr64(HART_SSCRATCH, v); return;
    case 0x141: wr64(HART_SEPC, v & ~<u64>1); return;
    case 0x142: wr64(HART_SCAUSE, v); return;
    case 0x143: wr64(HART_STVAL, v); return;
    case 0x144: { const m = rd64(HART_MIDELEG) & IRQ_SSI; wr64(HART_MIP, (rd64(HART_MIP) & ~m) | (v & m)); return; }
    case 0x180: writeSatp(v); return;
    case 0x300: writeMstatus((rd64(HART_MSTATUS) & ~MSTATUS_WMASK) | (v & MSTATUS_WMASK)); return;
    case 0x301: return; // misa is read-only here (WARL)
    case 0x302: wr64(HART_MEDELEG, v & MEDELEG_MASK); return;
    case 0x303: wr64(HART_MIDELEG, v & IRQ_S_MASK); return;
    case 0x304: wr64(HART_MIE, v & MIE_MASK); return;
    case 0x305: writeTvec(HART_MTVEC, v); return;
    case 0x306: wr64(HART_MCOUNTEREN, v & 0xffffffff); return;
    case 0x30a: wr64(HART_MENVCFG, v & 1); return;
    case 0x320: writeCountInhibit(v & 0xfffffffd); return;
    case 0x340: wr64(HART_MSCRATCH, v); return;
    case 0x341: wr64(HART_MEPC, v & ~<u64>1); return;
    case 0x342: wr64(HART_MCAUSE, v); return;
    case 0x343: wr64(HART_MTVAL, v); return;
    case 0x344: wr64(HART_MIP, (rd64(HART_MIP) & ~MIP_WMASK) | (v & MIP_WMASK)); return;
    case 0x3a0: writePmpcfg(0, v); return;
    case 0x3a2: writePmpcfg(8, v); return;
    case 0xb00: setCounter(0, v); return;
    case 0xb02: setCounter(2, v); return;
    case 0x7a0: case 0x7a1: case 0x7a2: case 0x7a3: return;
    default:
      if (num >= 0x3b0 && num <= 0x3bf) { writePmpaddr(num - 0x3b0, v); return; }
      if ((num >= 0x3c0 && num <= 0x3ef) || (num >= 0x3a4 && num <= 0x3ae && (num & 1) == 0)) return;
      if ((num >= 0xb03 && num <= 0xb1f) || (num >= 0x323 && num <= 0x33f)) return;
  }
  csrIllegal = true;
}

function writeMstatus(v: u64): void {
  const old = rd64(HART_MSTATUS);
  // MPP is WARL: the reserved value 2 keeps the old field.
  if (((v >> 11) & 3) == 2) v = (v & ~MS_MPP) | (old & MS_MPP);
  v = withSd((v & ~(MS_UXL | MS_SXL)) | (<u64>2 << 32) | (<u64>2 << 34));
  wr64(HART_MSTATUS, v);
  // MXR widens what loads may read: cached load translations are stale. SUM selects another set of S-mode data
  // TLBs (hart.ts tlbArray), so it only re-points them.
  if (((old ^ v) & MS_MXR) != 0) flushTlb();
  if (((old ^ v) & (MS_MPRV | MS_MPP | MS_SUM)) != 0) updateTlbPointers();
}

function writeTvec(off: u32, v: u64): void {
  if ((v & 3) >= 2) return; // reserved modes: leave unchanged (WARL)
  wr64(off, v);
}

function writeSatp(v: u64): void {
  const mode = v >> 60;
  if (mode != 0 && mode != 8 && mode != 9) return; // unsupported MODE: the write has no effect (§4.1.11)
  // ASIDLEN = 16 (bits 59:44), PPN 44 bits (43:0): every bit is writable for the supported modes.
  wr64(HART_SATP, v);
  flushTlb();
}

function pmpLocked(i: u32): bool { return (load<u8>(H + HART_PMPCFG + i) & 0x80) != 0; }

function writePmpcfg(first: u32, v: u64): void {
  for (let i: u32 = 0; i < 8; i++) {
    if (pmpLocked(first + i)) continue;
    let b = <u8>(v >> (8 * <u64>i)) & 0x9f;
    if ((b & 3) == 2) b &= ~(<u8>3); // W=1,R=0 is reserved: clear both (WARL)
    store<u8>(H + HART_PMPCFG + first + i, b);
  }
  flushTlb();
}

function writePmpaddr(i: u32, v: u64): void {
  if (pmpLocked(i)) return;
  // A locked TOR entry also locks the previous pmpaddr (§3.7.1).
  if (i < 15 && pmpLocked(i + 1) && ((load<u8>(H + HART_PMPCFG + i + 1) >> 3) & 3) == 1) return;
  store<u64>(H + HART_PMPADDR + (i << 3), v & 0x3fffffffffffff);
  flushTlb();
}

/**
 * The value CSRRS/CSRRC modify. For mip and sip it holds only the software-writable bits: SEIP (and
 * STIP, which hv's built-in SBI drives) read as the OR with the device line, but the read-modify-write
 * uses the software bit alone (privileged ISA §3.1.9).
 */
export function csrRmwBase(num: u32, old: u64): u64 {
  if (num == 0x344) return rd64(HART_MIP);
  if (num == 0x144) return rd64(HART_MIP) & rd64(HART_MIDELEG);
  return old;
}

/** Whether an access to CSR num may write (bits 11:10 != 3). */
@inline export function csrWritable(num: u32): bool { return (num >> 10) != 3; }
