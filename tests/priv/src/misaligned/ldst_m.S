/*
 * misaligned/ldst_m — misaligned loads and stores to RAM in M-mode (bare).
 * Unprivileged ISA (RV32I/RV64I "Load and Store Instructions"): misaligned accesses may
 * be performed by hardware or trap; hv (like QEMU) performs them, so every size/offset must
 * produce exactly what the byte view says, including F/D loads/stores and accesses that
 * cross a page boundary. Sign/zero extension as for aligned accesses.
 */
#include "priv.h"

/* misaligned load at buf+off compared with the bytes (bytes_le), sign-extended if sext */
.macro LOAD_CHECK insn, off, size, sext
  lla s0, buf
  addi s0, s0, \off
  \insn s1, 0(s0)
  mv a0, s0
  li a1, \size
  call bytes_le
  .if \sext
  slli a0, a0, 64 - 8 * \size
  srai a0, a0, 64 - 8 * \size
  .endif
  CHECK_EQ a0, s1
.endm

/* store `size` bytes of a pattern at buf+off, then check them and the neighbours */
.macro STORE_CHECK insn, off, size
  call fill_buf
  lla s0, buf
  addi s0, s0, \off
  li s1, 0xf1e2d3c4b5a69788
  \insn s1, 0(s0)
  mv a0, s0
  li a1, \size
  call bytes_le
  .if \size < 8
  slli s1, s1, 64 - 8 * \size
  srli s1, s1, 64 - 8 * \size
  .endif
  CHECK_EQ a0, s1
  lbu a0, -1(s0)
  CHECK_EQI a0, (((\off - 1) * 37 + 5) & 0xff)
  lbu a0, \size(s0)
  CHECK_EQI a0, (((\off + \size) * 37 + 5) & 0xff)
.endm

  .text
  .globl main
main:
  call fill_buf
  TEST 3
  .irp off, 1, 3, 5, 7
  LOAD_CHECK lh, \off, 2, 1
  LOAD_CHECK lhu, \off, 2, 0
  .endr
  TEST 4
  .irp off, 1, 2, 3, 5, 6, 7
  LOAD_CHECK lw, \off, 4, 1
  LOAD_CHECK lwu, \off, 4, 0
  .endr
  TEST 5
  .irp off, 1, 2, 3, 4, 5, 6, 7
  LOAD_CHECK ld, \off, 8, 0
  .endr
  TEST 6
  .irp off, 1, 3, 5
  STORE_CHECK sh, \off, 2
  .endr
  TEST 7
  .irp off, 1, 2, 3, 6
  STORE_CHECK sw, \off, 4
  .endr
  TEST 8
  .irp off, 1, 2, 3, 4, 5, 7
  STORE_CHECK sd, \off, 8
  .endr
  /* floating point: fld/fsd/flw/fsw at odd addresses */
  TEST 9
  call fill_buf
  lla s0, buf + 3
  fld f1, 0(s0)
  fmv.x.d s1, f1
  mv a0, s0
  li a1, 8
  call bytes_le
  CHECK_EQ a0, s1
  TEST 10
  li a0, 0x0123456789abcdef
  fmv.d.x f2, a0
  lla s0, buf + 9
  fsd f2, 0(s0)
  mv a0, s0
  li a1, 8
  call bytes_le
  CHECK_EQI a0, 0x0123456789abcdef
  TEST 11
  lla s0, buf + 18
  li a0, 0x3f800000
  fmv.w.x f3, a0
  fsw f3, 0(s0)
  flw f4, 0(s0)
  fmv.x.w a1, f4
  CHECK_EQI a1, 0x3f800000
  mv a0, s0
  li a1, 4
  call bytes_le
  CHECK_EQI a0, 0x3f800000
  /* across a page boundary (physical, M-mode): TPAGE(0) end / TPAGE(1) start */
  TEST 12
  lla s0, TPAGE(1) - 3
  li a0, 0x8877665544332211
  sd a0, 0(s0)
  ld a1, 0(s0)
  CHECK_EQ a0, a1
  lbu a1, 0(s0)
  CHECK_EQI a1, 0x11
  lbu a1, 3(s0)
  CHECK_EQI a1, 0x44
  lw a1, 1(s0)
  CHECK_EQI a1, 0x55443322
  PASS

/* a0 = little-endian value of a1 bytes at a0 (byte loads only) */
bytes_le:
  add t0, a0, a1
  li t1, 0
1:
  addi t0, t0, -1
  lbu t2, 0(t0)
  slli t1, t1, 8
  or t1, t1, t2
  bne t0, a0, 1b
  mv a0, t1
  ret

/* buf[i] = (i * 37 + 5) & 0xff for i in 0..47 */
fill_buf:
  lla t0, buf
  li t1, 0
  li t3, 48
1:
  li t2, 37
  mul t2, t2, t1
  addi t2, t2, 5
  add t4, t0, t1
  sb t2, 0(t4)
  addi t1, t1, 1
  bne t1, t3, 1b
  ret

  .data
  .balign 16
buf:
  .space 64
