/*
 * csr/sstatus — sstatus is a restricted view of mstatus; SXL/UXL.
 * Spec 1.12 §3.1.6 (mstatus layout), §3.1.6.2 (SXL/UXL: WARL; when only RV64 is supported
 * they read 2), §4.1.1 (sstatus is a subset of mstatus: reading/writing a field of sstatus
 * reads/writes the homonymous mstatus field; M-only fields are invisible).
 */
#include "priv.h"

#define M_ONLY (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
#define S_RW   (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_FS)

  .text
  .globl main
main:
  /* SXL = UXL = 2 (XLEN 64 in S and U) */
  TEST 3
  csrr a0, mstatus
  CHECK_MASKED a0, MSTATUS_SXL | MSTATUS_UXL, (2 << 34) | (2 << 32)
  /* UXL is visible in sstatus, SXL is not */
  TEST 4
  csrr a0, sstatus
  CHECK_MASKED a0, MSTATUS_SXL | MSTATUS_UXL, (2 << 32)
  /* M-only fields set in mstatus read as 0 through sstatus */
  TEST 5
  li a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
  csrs mstatus, a0
  csrr a1, sstatus
  CHECK_CLR a1, ~SSTATUS_MASK
  /* sstatus reads exactly the S-visible part of mstatus */
  TEST 6
  csrr a0, mstatus
  li a2, SSTATUS_MASK
  and a0, a0, a2
  csrr a1, sstatus
  CHECK_EQ a0, a1
  /* writing all ones to sstatus sets the S fields and leaves the M-only fields alone */
  TEST 7
  li a0, -1
  csrw sstatus, a0
  csrr a1, mstatus
  CHECK_SET a1, S_RW
  TEST 8
  CHECK_MASKED a1, M_ONLY, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
  /* SXL is not writable through sstatus (UXL written with 3: see csr/xl_warl.S) */
  TEST 9
  CHECK_MASKED a1, MSTATUS_SXL, (2 << 34)
  /* FS = Dirty implies SD = 1 (§3.1.6.6), in both views */
  TEST 10
  CHECK_SET a1, MSTATUS_SD
  csrr a2, sstatus
  CHECK_SET a2, MSTATUS_SD | MSTATUS_FS
  /* writing zero to sstatus clears the S fields and leaves the M-only fields alone */
  TEST 11
  csrw sstatus, zero
  csrr a1, mstatus
  CHECK_CLR a1, S_RW
  TEST 12
  CHECK_MASKED a1, M_ONLY, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
  /* with FS = XS = VS = Off, SD reads 0 */
  TEST 13
  CHECK_CLR a1, MSTATUS_SD
  /* writes through mstatus show up in sstatus */
  TEST 14
  li a0, MSTATUS_SUM | MSTATUS_SPIE
  csrs mstatus, a0
  csrr a1, sstatus
  CHECK_MASKED a1, MSTATUS_SUM | MSTATUS_SPIE | MSTATUS_MXR, MSTATUS_SUM | MSTATUS_SPIE
  /* single-field writes via csrs/csrc on sstatus */
  TEST 15
  li a0, MSTATUS_MXR
  csrs sstatus, a0
  li a0, MSTATUS_SUM
  csrc sstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_SUM | MSTATUS_MXR | MSTATUS_SPIE, MSTATUS_MXR | MSTATUS_SPIE
  /* clean up: M-only fields off, FS = Initial */
  li a0, M_ONLY | S_RW
  csrc mstatus, a0
  li a0, MSTATUS_FS_INITIAL
  csrs mstatus, a0
  /* S-mode writes to sstatus reach mstatus */
  TEST 16
  GOTO_S
  li a0, MSTATUS_SUM | MSTATUS_MXR
  csrs sstatus, a0
  li a0, MSTATUS_SPP
  csrs sstatus, a0
  /* an S-mode write of the M-only bits through sstatus has no effect */
  li a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_TSR | MSTATUS_TVM | MSTATUS_TW
  csrs sstatus, a0
  csrr a1, sstatus
  CHECK_CLR a1, ~SSTATUS_MASK
  GOTO_M
  TEST 17
  csrr a1, mstatus
  CHECK_SET a1, MSTATUS_SUM | MSTATUS_MXR | MSTATUS_SPP
  CHECK_CLR a1, MSTATUS_TSR | MSTATUS_TVM | MSTATUS_TW
  PASS
