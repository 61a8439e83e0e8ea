/*
 * vm/perm — PTE permission checks for S-mode and U-mode accesses.
 * Spec 1.12 §4.3.1: R/W/X permissions, U (accessible to U-mode; S-mode accesses to U pages
 * fault unless SUM = 1, and S never executes from U pages); §4.3.2 step 5: a disallowed
 * access raises the page fault of its type: instruction 12, load 13, store/AMO 15 (AMOs
 * and SC report store/AMO faults, LR a load fault; an SC without a reservation may fail
 * without accessing memory, so SC is tested right after a successful LR; AMOs on pages
 * that are not even readable: vm/amo_fault.S); xtval = the faulting VA, and for a
 * fetch fault xepc = that VA too. §3.1.6.3: SUM has no effect in U-mode.
 */
#include "priv.h"

#define P0 0x40000000   /* R          */
#define P1 0x40001000   /* RW         */
#define P2 0x40002000   /* X          */
#define P3 0x40003000   /* RX         */
#define P4 0x40004000   /* RW, other privilege */
#define P5 0x40005000   /* X,  other privilege */

#define AD (PTE_V | PTE_A | PTE_D)

  .text
  .globl main
main:
  /* code for the executable pages: copy `leaf` into TPAGE(2) and TPAGE(3) */
  lla a0, leaf
  ld a1, 0(a0)
  lla a2, TPAGE(2)
  sd a1, 0(a2)
  lla a2, TPAGE(3)
  sd a1, 0(a2)
  fence.i
  /* ------------------------------------------------ S-mode, SUM = 0 */
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS P0, TPAGE(0), AD | PTE_R, LVL_4K
  MAPS P1, TPAGE(1), AD | PTE_R | PTE_W, LVL_4K
  MAPS P2, TPAGE(2), AD | PTE_X, LVL_4K
  MAPS P3, TPAGE(3), AD | PTE_R | PTE_X, LVL_4K
  MAPS P4, TPAGE(4), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS P5, TPAGE(2), AD | PTE_X | PTE_U, LVL_4K
  call vm_enable
  GOTO_S
  li s0, P0
  li s1, P1
  li s2, P2
  li s3, P3
  li s4, P4
  li s5, P5
  /* R page: load ok, store / AMO / SC fault */
  TEST 3
  ld a0, 0(s0)
  TEST 4
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 5
  addi a1, s0, 8
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, amoadd.w a0, a0, (a1)
  /* SC with a valid reservation (LR on the readable page succeeds) */
  TEST 6
  lr.w a0, (a1)
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sc.w a0, a0, (a1)
  TEST 7
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s0
  /* RW page: load/store/AMO ok, fetch faults */
  TEST 8
  sd s1, 0(s1)
  ld a0, 0(s1)
  CHECK_EQ a0, s1
  amoswap.d a0, zero, (s1)
  CHECK_EQ a0, s1
  TEST 9
  addi a1, s1, 0x7f0
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, a1
  /* X page: fetch ok; load / LR / store fault */
  TEST 10
  li a0, 0
  jalr ra, 0(s2)
  CHECK_EQI a0, 77
  TEST 11
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s2, ld a0, 0(s2)
  TEST 12
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s2, lr.d a0, (s2)
  TEST 13
  addi a1, s2, 0x10
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sw a0, 0(a1)
  /* RX page: fetch and load ok, store faults */
  TEST 14
  li a0, 0
  jalr ra, 0(s3)
  CHECK_EQI a0, 77
  lw a0, 0(s3)
  TEST 15
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s3, sh a0, 0(s3)
  /* U pages from S with SUM = 0: everything faults */
  TEST 16
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s4, ld a0, 0(s4)
  TEST 17
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s4, sd a0, 0(s4)
  TEST 18
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s5
  /* ------------------------------------------------ U-mode */
  TEST 19
  GOTO_M
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, PTE_U
  call vm_map_identity
  MAPS P0, TPAGE(0), AD | PTE_R | PTE_U, LVL_4K
  MAPS P1, TPAGE(1), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS P2, TPAGE(2), AD | PTE_X | PTE_U, LVL_4K
  MAPS P3, TPAGE(3), AD | PTE_R | PTE_X | PTE_U, LVL_4K
  MAPS P4, TPAGE(4), AD | PTE_R | PTE_W, LVL_4K
  MAPS P5, TPAGE(2), AD | PTE_X, LVL_4K
  call vm_enable
  li a0, MSTATUS_SUM       /* no effect on U-mode */
  csrs mstatus, a0
  GOTO_U
  TEST 20
  ld a0, 0(s0)
  TRAP_R CAUSE_STORE_PAGE, PRV_U, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 21
  sd s1, 8(s1)
  ld a0, 8(s1)
  CHECK_EQ a0, s1
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_U, PRV_M, s1
  TEST 22
  li a0, 0
  jalr ra, 0(s2)
  CHECK_EQI a0, 77
  TRAP_R CAUSE_LOAD_PAGE, PRV_U, PRV_M, TVK_EXACT, s2, lbu a0, 0(s2)
  TEST 23
  li a0, 0
  jalr ra, 0(s3)
  CHECK_EQI a0, 77
  lbu a0, 0(s3)
  TRAP_R CAUSE_STORE_PAGE, PRV_U, PRV_M, TVK_EXACT, s3, sb a0, 0(s3)
  /* S pages from U: fault even with SUM = 1 */
  TEST 24
  TRAP_R CAUSE_LOAD_PAGE, PRV_U, PRV_M, TVK_EXACT, s4, ld a0, 0(s4)
  TEST 25
  TRAP_R CAUSE_STORE_PAGE, PRV_U, PRV_M, TVK_EXACT, s4, sd a0, 0(s4)
  TEST 26
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_U, PRV_M, s5
  /* physical check of the RW stores */
  TEST 27
  GOTO_M
  call vm_disable
  li a0, MSTATUS_SUM
  csrc mstatus, a0
  lla a1, TPAGE(1)
  ld a0, 8(a1)
  CHECK_EQI a0, P1
  ld a0, 0(a1)
  CHECK_EQI a0, 0          /* amoswap wrote 0 */
  PASS

  .balign 8
leaf:
  .option push
  .option norvc
  li a0, 77
  ret
  .option pop
