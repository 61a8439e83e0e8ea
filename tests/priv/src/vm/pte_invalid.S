/*
 * vm/pte_invalid — invalid and reserved PTE encodings.
 * Spec 1.12 §4.3.2 step 3: "If pte.v = 0, or if pte.r = 0 and pte.w = 1, ... stop and raise
 * a page-fault exception corresponding to the original access type"; step 4: a pointer
 * (R = W = X = 0) at the last level (i < 0) -> page fault; §4.3.1 table 4.5: W without R
 * (with or without X) is reserved. xtval = the faulting VA. (Reserved high bits 63:54:
 * vm/pte_reserved.S.)
 */
#include "priv.h"

#define PV0  0x40000000  /* V = 0 (but RWX set) */
#define PW   0x40001000  /* W only       */
#define PWX  0x40002000  /* W + X       */
#define PL0  0x40003000  /* pointer at level 0 */
#define PMV0 0x40200000  /* megapage with V = 0 */
#define PWXU 0x40004000  /* W + X + U (from U-mode) */
#define AD (PTE_A | PTE_D)

  .text
  .globl main
main:
  lla a0, leaf
  ld a1, 0(a0)
  lla a2, TPAGE(2)
  sd a1, 0(a2)
  fence.i
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS PV0, TPAGE(0), AD | PTE_RWX, LVL_4K
  MAPS PW, TPAGE(1), AD | PTE_V | PTE_W, LVL_4K
  MAPS PWX, TPAGE(2), AD | PTE_V | PTE_W | PTE_X, LVL_4K
  MAPS PL0, TPAGE(3), PTE_V, LVL_4K               /* "points" at TPAGE(3) (zeroed) */
  MAP PMV0, PRIV_FREE_2M, AD | PTE_RWX, LVL_2M
  lla a0, TPAGE(3)
  li a1, 0
  li a2, PAGE
  add a2, a2, a0
1:
  sd zero, 0(a0)
  addi a0, a0, 8
  bltu a0, a2, 1b
  call vm_enable
  GOTO_S
  li s0, PV0
  li s1, PW
  li s2, PWX
  li s3, PL0
  li s4, PMV0
  /* V = 0 */
  TEST 3
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s0, ld a0, 0(s0)
  TEST 4
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 5
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s0
  /* W without R */
  TEST 6
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s1, ld a0, 0(s1)
  TEST 7
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s1, sd a0, 0(s1)
  /* W + X without R: even the fetch faults */
  TEST 8
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s2
  TEST 9
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s2, sw a0, 0(s2)
  /* MXR does not make a W-only page readable */
  TEST 10
  li a0, MSTATUS_MXR
  csrs sstatus, a0
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s2, lw a0, 0(s2)
  csrc sstatus, a0
  /* pointer PTE at level 0 */
  TEST 11
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s3, ld a0, 0(s3)
  TEST 12
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s3, sd a0, 0(s3)
  TEST 13
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s3
  /* invalid megapage */
  TEST 14
  addi a1, s4, 0x7f8
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  /* delegated to S: same causes, stval = VA */
  TEST 15
  GOTO_M
  li a0, (1 << CAUSE_FETCH_PAGE) | (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE)
  csrw medeleg, a0
  GOTO_S
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_S, TVK_EXACT, s1, ld a0, 0(s1)
  TEST 16
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_S, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 17
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_S, s2
  GOTO_M
  csrw medeleg, zero
  call vm_disable
  PASS

  .balign 8
leaf:
  .option push
  .option norvc
  li a0, 7
  ret
  .option pop
