/**
 * QEMU "sifive,test0" test finisher (hw/misc/sifive_test.c): one 32-bit register at offset 0.
 * Bits 15:0 select the action, bits 31:16 carry the exit code for FAIL.
 */
export const FINISHER_REG = 0x0;
export const FINISHER_FAIL = 0x3333;
export const FINISHER_PASS = 0x5555;
export const FINISHER_RESET = 0x7777;
/** Window size on the virt board. */
export const SYSCON_SIZE = 0x1000;
