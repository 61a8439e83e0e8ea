/*
 * csr/mpp_warl — mstatus.MPP is WARL (privileged 1.12 §3.1.6.1: "xPP fields are WARL fields
 * that can hold only privilege mode x and any implemented privilege mode lower than x");
 * 2 is not a privilege mode, so writing it must leave a legal value (0, 1 or 3) in MPP.
 *
 * QEMU-XFAIL: 3  QEMU 7.2 stores MPP = 2.
 */
#include "priv.h"

  .text
  .globl main
main:
  TEST 3
  li a0, MSTATUS_MPP
  csrc mstatus, a0
  li a0, 2 << 11
  csrs mstatus, a0
  csrr a1, mstatus
  srli a1, a1, 11
  andi a1, a1, 3
  CHECK_NEI a1, 2
  /* restore MPP = M */
  TEST 4
  li a0, MSTATUS_MPP
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_MPP, MSTATUS_MPP
  PASS
