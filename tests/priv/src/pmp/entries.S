/*
 * pmp/entries — hv implements 16 PMP entries (pmpaddr0-15, configured through pmpcfg0 and
 * pmpcfg2 on RV64; privileged 1.12 §3.7.1). With G = 0 each pmpaddr holds bits 55:2 of a
 * physical address and every cfg byte holds R/W/X/A/L. M-mode only.
 */
#include "priv.h"

.macro ADDR_RW n
  li a0, 0x0000123456789a00 + \n
  csrw pmpaddr\n, a0
  csrr a1, pmpaddr\n
  CHECK_EQ a0, a1
.endm

  .text
  .globl main
main:
  PMP_CLEAR_ALL
  TEST 3
  ADDR_RW 0
  ADDR_RW 1
  ADDR_RW 2
  ADDR_RW 3
  ADDR_RW 4
  ADDR_RW 5
  ADDR_RW 6
  ADDR_RW 7
  TEST 4
  ADDR_RW 8
  ADDR_RW 9
  ADDR_RW 10
  ADDR_RW 11
  ADDR_RW 12
  ADDR_RW 13
  ADDR_RW 14
  ADDR_RW 15
  /* cfg bytes of entries 8-15 live in pmpcfg2; OFF entries with permissions are legal */
  TEST 5
  li a0, 0x0705030107050301
  csrw pmpcfg2, a0
  csrr a1, pmpcfg2
  CHECK_EQ a0, a1
  TEST 6
  li a0, 0x0301070504030100      /* no R = 0 / W = 1 byte: that one is reserved */
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  CHECK_EQ a0, a1
  /* entry 15 (the last one) works: NAPOT over the image, everything else OFF */
  TEST 7
  PMP_CLEAR_ALL
  PMP_NAPOT_C a0, RAM_BASE, 0x200000
  csrw pmpaddr15, a0
  li a0, (PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56
  csrw pmpcfg2, a0
  GOTO_S
  lla a1, TPAGE(0)
  sd a1, 0(a1)
  li a1, PRIV_FREE_2M
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  GOTO_M
  /* entry 8 has priority over entry 15 */
  TEST 8
  PMP_NAPOT a0, TPAGE(0), PAGE
  csrw pmpaddr8, a0
  li a0, ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56) | (PMP_A_NAPOT | PMP_R)
  csrw pmpcfg2, a0
  GOTO_S
  lla a1, TPAGE(0)
  ld a0, 0(a1)
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, sd a0, 0(a1)
  GOTO_M
  PASS
