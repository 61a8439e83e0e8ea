/**
 * SiFive CLINT register map as laid out by QEMU's virt board (SiFive "CLINT" chapter of the
 * FU540-C000 manual; the same layout as the RISC-V ACLINT MSWI device at +0x0000 and MTIMER
 * device at +0x4000, with mtime at +0xBFF8).
 */

/** msip[hart]: 32-bit, bit 0 drives the hart's MSIP. */
export const MSIP_BASE = 0x0000;
export const MSIP_STRIDE = 4;
/** mtimecmp[hart]: 64-bit, little-endian, accessible as two 32-bit halves. */
export const MTIMECMP_BASE = 0x4000;
export const MTIMECMP_STRIDE = 8;
/** mtime: 64-bit free-running counter at the timebase frequency. */
export const MTIME_OFFSET = 0xbff8;
/** Size of the CLINT window on the virt board. */
export const CLINT_SIZE = 0x10000;
/** Most harts the layout can address (msip region is 0x4000 bytes; mtimecmp region ends at mtime). */
export const CLINT_MAX_HARTS = 4095;
/** The virt board's timebase (`timebase-frequency` in /cpus). */
export const CLINT_TIMEBASE_HZ = 10_000_000;
