/*
 * csr/mpp_warl — mstatus.MPP is WARL (privileged 1.12 §3.1.6.1 / §3.1.6: "MPP ... WARL");
 * the encoding 2 is reserved (no such privilege level), so writing it must leave a legal
 * value (0, 1 or 3) in MPP; likewise writing 1 to SPP/MPP is legal only with S-mode present.
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
  /* and mret then returns to a legal privilege: with MPP read back, just restore M */
  TEST 4
  li a0, MSTATUS_MPP
  csrs mstatus, a0
  PASS
