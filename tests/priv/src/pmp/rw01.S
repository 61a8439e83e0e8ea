/*
 * pmp/rw01 — "The combination R = 0 and W = 1 is reserved for future use" (privileged 1.12
 * §3.7.1); pmpcfg fields are WARL, so that combination can never be read back (hv turns the
 * write into a legal value: it keeps the entry's previous cfg byte).
 *
 * QEMU-XFAIL: 3  QEMU 7.2 stores R = 0, W = 1.
 */
#include "priv.h"

  .text
  .globl main
main:
  PMP_NAPOT_C a0, RAM_BASE, 0x200000
  csrw pmpaddr7, a0
  li a0, (PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56
  csrw pmpcfg0, a0
  TEST 3
  li a0, ((PMP_A_NAPOT | PMP_W) << 8) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  srli a1, a1, 8
  andi a1, a1, PMP_R | PMP_W
  CHECK_NEI a1, PMP_W
  /* also for an OFF entry with W only */
  TEST 4
  li a0, ((PMP_W | PMP_X) << 16) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  srli a1, a1, 16
  andi a1, a1, PMP_R | PMP_W
  CHECK_NEI a1, PMP_W
  PASS
