// Hart state access and architectural constants shared by the core's modules.
// All state lives in linear memory at offsets generated from src/layout/schema.json; `H` points at the
// hart currently running (harts are time-sliced on one thread and selected with selectHart()).
import {
  HARTS_BASE, HART_STRIDE, HART_PRIV, HART_MSTATUS, HART_TLB, HART_TLB_X, HART_TLB_R, HART_TLB_W,
  TLB_ENTRIES, TLB_ENTRY_SIZE,
} from './gen/layout';

/** Base address of the running hart's state block. */
export let H: usize = HARTS_BASE;

export function selectHartBase(n: u32): void { H = HARTS_BASE + <usize>n * HART_STRIDE; }

@inline export function rd64(off: u32): u64 { return load<u64>(H + off); }
@inline export function wr64(off: u32, v: u64): void { store<u64>(H + off, v); }
@inline export function rd32(off: u32): u32 { return load<u32>(H + off); }
@inline export function wr32(off: u32, v: u32): void { store<u32>(H + off, v); }

// Privilege levels (privileged ISA §1.2).
export const PRV_U: u32 = 0;
export const PRV_S: u32 = 1;
export const PRV_M: u32 = 3;

// Why run() returned.
export const EXIT_BUDGET: u32 = 0;   // instruction budget used up
export const EXIT_WFI: u32 = 1;      // hart is waiting for an interrupt
export const EXIT_REQUEST: u32 = 2;  // host asked (sys.exitRequest), e.g. HTIF tohost written or a device event
export const EXIT_SBI: u32 = 3;      // ECALL from S-mode with the built-in SBI: host handles a0..a7, then pc += 4

// Exception causes (privileged ISA §3.1.15, Table 3.6).
export const CAUSE_MISALIGNED_FETCH: u64 = 0;
export const CAUSE_FETCH_ACCESS: u64 = 1;
export const CAUSE_ILLEGAL: u64 = 2;
export const CAUSE_BREAKPOINT: u64 = 3;
export const CAUSE_MISALIGNED_LOAD: u64 = 4;
export const CAUSE_LOAD_ACCESS: u64 = 5;
export const CAUSE_MISALIGNED_STORE: u64 = 6;
export const CAUSE_STORE_ACCESS: u64 = 7;
export const CAUSE_ECALL_U: u64 = 8;
export const CAUSE_FETCH_PAGE: u64 = 12;
export const CAUSE_LOAD_PAGE: u64 = 13;
export const CAUSE_STORE_PAGE: u64 = 15;
export const INTERRUPT_BIT: u64 = 0x8000000000000000;

// Interrupt bits in mip/mie (privileged ISA §3.1.9).
export const IRQ_SSI: u64 = 1 << 1;
export const IRQ_MSI: u64 = 1 << 3;
export const IRQ_STI: u64 = 1 << 5;
export const IRQ_MTI: u64 = 1 << 7;
export const IRQ_SEI: u64 = 1 << 9;
export const IRQ_MEI: u64 = 1 << 11;
export const IRQ_S_MASK: u64 = IRQ_SSI | IRQ_STI | IRQ_SEI;
export const IRQ_ALL_MASK: u64 = IRQ_SSI | IRQ_MSI | IRQ_STI | IRQ_MTI | IRQ_SEI | IRQ_MEI;

// mstatus fields (privileged ISA §3.1.6, RV64 layout).
export const MS_SIE: u64 = 1 << 1;
export const MS_MIE: u64 = 1 << 3;
export const MS_SPIE: u64 = 1 << 5;
export const MS_MPIE: u64 = 1 << 7;
export const MS_SPP: u64 = 1 << 8;
export const MS_MPP_SHIFT: u64 = 11;
export const MS_MPP: u64 = 3 << 11;
export const MS_FS_SHIFT: u64 = 13;
export const MS_FS: u64 = 3 << 13;
export const MS_MPRV: u64 = 1 << 17;
export const MS_SUM: u64 = 1 << 18;
export const MS_MXR: u64 = 1 << 19;
export const MS_TVM: u64 = 1 << 20;
export const MS_TW: u64 = 1 << 21;
export const MS_TSR: u64 = 1 << 22;
export const MS_UXL: u64 = <u64>3 << 32;
export const MS_SXL: u64 = <u64>3 << 34;
export const MS_SD: u64 = <u64>1 << 63;

// Access kinds for translation and PMP.
export const ACC_FETCH: u32 = 0;
export const ACC_LOAD: u32 = 1;
export const ACC_STORE: u32 = 2;

@inline export function priv(): u32 { return load<u32>(H + HART_PRIV); }

/** Privilege used for loads/stores: MPRV with MPP when in M-mode (privileged ISA §3.1.6.3). */
@inline export function dataPriv(): u32 {
  const p = load<u32>(H + HART_PRIV);
  if (p == PRV_M) {
    const ms = load<u64>(H + HART_MSTATUS);
    if (ms & MS_MPRV) return <u32>((ms >> MS_MPP_SHIFT) & 3);
  }
  return p;
}

/** Number of TLB arrays per hart: U, S, M × {X, R, W}, then S-mode loads and stores with mstatus.SUM = 1. */
export const TLB_COUNT: u32 = 11;

/**
 * Address of the TLB array for (privilege, access kind). Index: mode 0..2 (U, S, M) × kind 0..2 (X, R, W);
 * S-mode loads and stores while mstatus.SUM = 1 use arrays 9 and 10, since SUM decides whether S-mode may touch
 * U pages (privileged ISA §3.1.6.3). Linux sets SUM around every user copy, so keeping both views cached makes a
 * SUM toggle a pointer swap instead of a TLB flush.
 */
@inline export function tlbArray(p: u32, kind: u32): usize {
  const mode = p == PRV_M ? 2 : p;
  let index = mode * 3 + kind;
  if (mode == PRV_S && kind != ACC_FETCH && (rd64(HART_MSTATUS) & MS_SUM) != 0) index = 9 + kind - ACC_LOAD;
  return H + HART_TLB + <usize>index * TLB_ENTRIES * TLB_ENTRY_SIZE;
}

/** Re-points the active X/R/W TLBs after a privilege or mstatus change. */
export function updateTlbPointers(): void {
  const p = priv();
  const dp = dataPriv();
  store<u32>(H + HART_TLB_X, <u32>tlbArray(p, ACC_FETCH));
  store<u32>(H + HART_TLB_R, <u32>tlbArray(dp, ACC_LOAD));
  store<u32>(H + HART_TLB_W, <u32>tlbArray(dp, ACC_STORE));
}
