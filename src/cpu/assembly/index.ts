// The wasm core's exports: the only door into the CPU from the host besides the shared memory layout.
// See src/cpu/host/hart.ts for the TypeScript side.
import {
  HART_PC, HART_PRIV, HART_MSTATUS, HART_MHARTID, HART_RESERVATION, HART_SIZE, HART_MISA,
  BLOCKS_BASE, BLOCK_SLOTS, BLOCK_SLOT_SIZE, LAYOUT_VERSION,
} from './gen/layout';
import { H, selectHartBase, wr64, PRV_M, updateTlbPointers } from './hart';
import { flushTlb, dropFromWriteTlbs } from './mmu';
import { MISA_VALUE } from './csr';
import { checkInterrupts } from './trap';
export { run, blockAt } from './exec';

export function layoutVersion(): i32 { return LAYOUT_VERSION; }

/** Makes hart n the one that run() and the helpers below act on. */
export function selectHart(n: u32): void { selectHartBase(n); }

/** Resets the selected hart (privileged ISA §3.4): M-mode, pc = resetPc, mhartid = n, everything else 0. */
export function resetHart(n: u32, resetPc: u64): void {
  selectHartBase(n);
  memory.fill(H, 0, HART_SIZE);
  wr64(HART_PC, resetPc);
  store<u32>(H + HART_PRIV, PRV_M);
  wr64(HART_MHARTID, <u64>n);
  wr64(HART_MISA, MISA_VALUE);
  wr64(HART_MSTATUS, (<u64>2 << 32) | (<u64>2 << 34));
  wr64(HART_RESERVATION, 0xffffffffffffffff);
  flushTlb();
  updateTlbPointers();
}

/** Invalidates the selected hart's TLBs (remote SFENCE.VMA from the SBI). */
export function flushHartTlb(): void { flushTlb(); }

/** Recomputes derived pointers after the host changed privilege or mstatus in memory (e.g. SBI, restore). */
export function stateChanged(): void { updateTlbPointers(); flushTlb(); }

/** Drops the LR reservation of the selected hart (another hart was scheduled in between). */
export function clearReservation(): void { wr64(HART_RESERVATION, 0xffffffffffffffff); }

/** Removes a host page from every W TLB (after the host set a watch flag on it). */
export function unmapWritePage(hostPage: u32): void { dropFromWriteTlbs(<usize>hostPage); }

/** Forgets all decoded blocks (after the host replaced memory wholesale, e.g. snapshot restore). */
export function flushBlocks(): void { memory.fill(BLOCKS_BASE, 0, <usize>(BLOCK_SLOTS + 1) * BLOCK_SLOT_SIZE); }

/** Takes a pending interrupt now if one is enabled (used by the host after injecting lines). */
export function pollInterrupts(): bool { return checkInterrupts(); }
