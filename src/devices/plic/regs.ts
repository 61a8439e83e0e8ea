/**
 * SiFive PLIC register map (RISC-V PLIC Specification v1.0.0 §"Memory Map"; QEMU virt uses the
 * SiFive layout with these bases and strides, see include/hw/riscv/virt.h VIRT_PLIC_*).
 */

/** priority[source]: 32-bit, one per source; source 0 does not exist (hardwired 0). */
export const PRIORITY_BASE = 0x000000;
/** pending bits: one 32-bit word per 32 sources, read-only. */
export const PENDING_BASE = 0x001000;
/** enable bits of context c: ENABLE_BASE + c * ENABLE_STRIDE, one 32-bit word per 32 sources. */
export const ENABLE_BASE = 0x002000;
export const ENABLE_STRIDE = 0x80;
/** per-context registers: CONTEXT_BASE + c * CONTEXT_STRIDE. */
export const CONTEXT_BASE = 0x200000;
export const CONTEXT_STRIDE = 0x1000;
/** offsets inside a context block */
export const CONTEXT_THRESHOLD = 0x0;
export const CONTEXT_CLAIM = 0x4;

/** QEMU virt: VIRT_IRQCHIP_NUM_SOURCES (source 0 included, so ids 1..95 are usable). */
export const PLIC_DEFAULT_SOURCES = 96;
/** QEMU virt: (1 << VIRT_IRQCHIP_NUM_PRIO_BITS) - 1 = 7, i.e. 3-bit priorities and thresholds. */
export const PLIC_DEFAULT_PRIORITIES = 7;

/** Window size covering `contexts` contexts (QEMU's VIRT_PLIC_SIZE). */
export function plicSize(contexts: number): number {
  return CONTEXT_BASE + contexts * CONTEXT_STRIDE;
}
