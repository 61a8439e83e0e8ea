// Trap delivery, interrupts and trap return (privileged ISA 1.12 §3.1.6.1, §3.1.7 (xtvec), §3.1.9
// (interrupt priority and enabling), §3.3.2 (xRET), §4.1.1 (sstatus)).
import {
  HART_PC, HART_PRIV, HART_MSTATUS, HART_MEDELEG, HART_MIDELEG, HART_MIE, HART_MIP, HART_HOST_IP,
  HART_MEPC, HART_MCAUSE, HART_MTVAL, HART_MTVEC, HART_SEPC, HART_SCAUSE, HART_STVAL, HART_STVEC,
  HART_RESERVATION,
} from './gen/layout';
import {
  H, rd64, wr64, PRV_M, PRV_S, PRV_U, INTERRUPT_BIT, MS_SIE, MS_MIE, MS_SPIE, MS_MPIE, MS_SPP, MS_MPP,
  MS_MPP_SHIFT, MS_MPRV, updateTlbPointers, IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI,
} from './hart';

/** The pc of the instruction being executed (exception epc). Set by the interpreter before risky ops. */
export let curPc: u64 = 0;
export function setCurPc(pc: u64): void { curPc = pc; }

/** Takes a trap with the given cause (interrupt bit included) and tval; epc is the interrupted pc. */
export function trapTo(cause: u64, tval: u64, epc: u64): void {
  const p = load<u32>(H + HART_PRIV);
  const isInt = (cause & INTERRUPT_BIT) != 0;
  const code = cause & 63;
  let toS = false;
  if (p <= PRV_S) toS = ((rd64(isInt ? HART_MIDELEG : HART_MEDELEG) >> code) & 1) != 0;
  let ms = rd64(HART_MSTATUS);
  let tvec: u64;
  if (toS) {
    wr64(HART_SEPC, epc); wr64(HART_SCAUSE, cause); wr64(HART_STVAL, tval);
    ms = (ms & ~(MS_SPIE | MS_SIE | MS_SPP)) | ((ms & MS_SIE) != 0 ? MS_SPIE : 0) | (p == PRV_S ? MS_SPP : 0);
    store<u32>(H + HART_PRIV, PRV_S);
    tvec = rd64(HART_STVEC);
  } else {
    wr64(HART_MEPC, epc); wr64(HART_MCAUSE, cause); wr64(HART_MTVAL, tval);
    ms = (ms & ~(MS_MPIE | MS_MIE | MS_MPP)) | ((ms & MS_MIE) != 0 ? MS_MPIE : 0) | (<u64>p << MS_MPP_SHIFT);
    store<u32>(H + HART_PRIV, PRV_M);
    tvec = rd64(HART_MTVEC);
  }
  wr64(HART_MSTATUS, ms);
  wr64(HART_PC, (tvec & ~<u64>3) + (isInt && (tvec & 3) == 1 ? code << 2 : 0));
  wr64(HART_RESERVATION, 0xffffffffffffffff);
  updateTlbPointers();
}

/** Raises a synchronous exception for the instruction at curPc. */
export function raiseException(cause: u64, tval: u64): void {
  trapTo(cause, tval, curPc);
}

/** Effective mip as software reads it: software bits OR the lines devices drive. */
@inline export function mipValue(): u64 { return rd64(HART_MIP) | rd64(HART_HOST_IP); }

/** Highest-priority interrupt in a set (§3.1.9: MEI, MSI, MTI, SEI, SSI, STI), as a cause code. */
function pickIrq(set: u64): u64 {
  if (set & IRQ_MEI) return 11;
  if (set & IRQ_MSI) return 3;
  if (set & IRQ_MTI) return 7;
  if (set & IRQ_SEI) return 9;
  if (set & IRQ_SSI) return 1;
  if (set & IRQ_STI) return 5;
  return 64;
}

/**
 * Takes the highest-priority pending and enabled interrupt, if any, with epc = the hart's pc.
 * Returns true when a trap was taken.
 */
export function checkInterrupts(): bool {
  const pending = mipValue() & rd64(HART_MIE);
  if (pending == 0) return false;
  const p = load<u32>(H + HART_PRIV);
  const ms = rd64(HART_MSTATUS);
  const deleg = rd64(HART_MIDELEG);
  const mPend = pending & ~deleg;
  if (mPend != 0 && (p < PRV_M || (ms & MS_MIE) != 0)) {
    trapTo(INTERRUPT_BIT | pickIrq(mPend), 0, rd64(HART_PC));
    return true;
  }
  const sPend = pending & deleg;
  if (sPend != 0 && (p < PRV_S || (p == PRV_S && (ms & MS_SIE) != 0))) {
    trapTo(INTERRUPT_BIT | pickIrq(sPend), 0, rd64(HART_PC));
    return true;
  }
  return false;
}

/** MRET (§3.3.2). The caller checked privilege. Sets pc. */
export function doMret(): void {
  let ms = rd64(HART_MSTATUS);
  const mpp = <u32>((ms >> MS_MPP_SHIFT) & 3);
  ms = (ms & ~(MS_MIE | MS_MPP)) | ((ms & MS_MPIE) != 0 ? MS_MIE : 0) | MS_MPIE;
  if (mpp != PRV_M) ms &= ~MS_MPRV;
  wr64(HART_MSTATUS, ms);
  store<u32>(H + HART_PRIV, mpp);
  wr64(HART_PC, rd64(HART_MEPC));
  updateTlbPointers();
}

/** SRET (§3.3.2). The caller checked privilege and TSR. Sets pc. */
export function doSret(): void {
  let ms = rd64(HART_MSTATUS);
  const spp: u32 = (ms & MS_SPP) != 0 ? PRV_S : PRV_U;
  ms = (ms & ~(MS_SIE | MS_SPP | MS_MPRV)) | ((ms & MS_SPIE) != 0 ? MS_SIE : 0) | MS_SPIE;
  wr64(HART_MSTATUS, ms);
  store<u32>(H + HART_PRIV, spp);
  wr64(HART_PC, rd64(HART_SEPC));
  updateTlbPointers();
}
