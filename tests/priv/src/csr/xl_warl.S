/*
 * csr/xl_warl — mstatus.SXL/UXL are WARL (privileged 1.12 §3.1.6.2): they can only hold
 * supported XLEN encodings. Writing 3 (XLEN = 128, unsupported on an RV64 hart) must
 * leave a legal value, i.e. 2 on a hart that only supports XLEN = 64 in S/U (or 1, if
 * RV32 S/U were supported, which hv does not do).
 *
 * QEMU-XFAIL: 4  QEMU 7.2 stores UXL = 3 when all ones are written to mstatus/sstatus.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* SXL written with 3 through mstatus */
  TEST 3
  li a0, MSTATUS_SXL
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_SXL, (2 << 34)
  /* UXL written with 3 through mstatus */
  TEST 4
  li a0, MSTATUS_UXL
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_UXL, (2 << 32)
  /* UXL written with 3 through sstatus */
  TEST 5
  li a0, MSTATUS_UXL
  csrs sstatus, a0
  csrr a1, sstatus
  CHECK_MASKED a1, MSTATUS_UXL, (2 << 32)
  PASS
