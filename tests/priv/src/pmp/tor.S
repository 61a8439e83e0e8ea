/*
 * pmp/tor — top-of-range matching.
 * Spec 1.12 §3.7.1 (Address Matching): A = TOR (1) matches pmpaddr[i-1] <= a < pmpaddr[i]
 * (entry 0: 0 <= a < pmpaddr0), using pmpaddr[i-1] even when entry i-1 is OFF; if
 * pmpaddr[i-1] >= pmpaddr[i] the entry matches nothing.
 * Layout: 0: [0, TPAGE(0)) RWX (code, data, tohost); 1: [TPAGE(0), TPAGE(2)) R;
 * 2: [TPAGE(2), TPAGE(3)) RW; 3: OFF, address TPAGE(4); 4: [TPAGE(4), TPAGE(5)) X;
 * 5: [TPAGE(5), TPAGE(3)) RWX - empty because the bounds are reversed.
 */
#include "priv.h"

  .text
  .globl main
main:
  lla a0, leaf
  ld a1, 0(a0)
  lla a2, TPAGE(4)
  sd a1, 0(a2)
  fence.i
  PMP_CLEAR_ALL
  PMP_ADDR a0, TPAGE(0)
  csrw pmpaddr0, a0
  PMP_ADDR a0, TPAGE(2)
  csrw pmpaddr1, a0
  PMP_ADDR a0, TPAGE(3)
  csrw pmpaddr2, a0
  PMP_ADDR a0, TPAGE(4)
  csrw pmpaddr3, a0
  PMP_ADDR a0, TPAGE(5)
  csrw pmpaddr4, a0
  PMP_ADDR a0, TPAGE(3)
  csrw pmpaddr5, a0
  li a0, ((PMP_A_TOR | PMP_R | PMP_W | PMP_X) << 0) | ((PMP_A_TOR | PMP_R) << 8) | \
         ((PMP_A_TOR | PMP_R | PMP_W) << 16) | ((PMP_A_OFF) << 24) | \
         ((PMP_A_TOR | PMP_X) << 32) | ((PMP_A_TOR | PMP_R | PMP_W | PMP_X) << 40)
  csrw pmpcfg0, a0
  TEST 3
  csrr a1, pmpcfg0
  CHECK_EQ a0, a1
  lla s0, TPAGE(0)
  lla s1, TPAGE(1)
  lla s2, TPAGE(2)
  lla s3, TPAGE(3)
  lla s4, TPAGE(4)
  lla s5, TPAGE(5)
  GOTO_S
  /* entry 1 covers TPAGE(0) and TPAGE(1): read-only, including its last byte */
  TEST 4
  ld a0, 0(s0)
  ld a0, 0(s1)
  lbu a0, -1(s2)
  TEST 5
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 6
  addi a1, s2, -1
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, sb a0, 0(a1)
  /* entry 2: the top bound is exclusive */
  TEST 7
  sd a0, 0(s2)
  sb a0, -1(s3)
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s3, ld a0, 0(s3)
  /* entry 4 uses entry 3's address although entry 3 is OFF */
  TEST 8
  li a0, 0
  jalr ra, 0(s4)
  CHECK_EQI a0, 3
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s4, ld a0, 0(s4)
  /* entry 5 has reversed bounds: TPAGE(3)/TPAGE(4)+ are not covered by it */
  TEST 9
  addi a1, s3, 0x7f8
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, a1, sd a0, 0(a1)
  TEST 10
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s5, lw a0, 0(s5)
  /* entry 0 (TOR from 0) grants the image below TPAGE(0) */
  TEST 11
  lla a1, scratch
  sd a1, 0(a1)
  GOTO_M
  /* M-mode unaffected */
  TEST 12
  sd a0, 0(s3)
  sd a0, 0(s0)
  PASS

  .balign 8
leaf:
  .option push
  .option norvc
  li a0, 3
  ret
  .option pop

  .data
  .balign 8
scratch:
  .dword 0
