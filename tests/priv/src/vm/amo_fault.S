/*
 * vm/amo_fault — AMOs always raise store/AMO exceptions. An AMO is a read-modify-write
 * access; privileged 1.12 table 3.6 / §4.3.2 step 5: the page fault raised for an AMO is a
 * store/AMO page fault (15), also when the page is not readable (not only when it is not
 * writable) and when the VA is not canonical. xtval = the VA.
 *
 * QEMU-XFAIL: 3  QEMU 7.2 raises a load page fault (13) when the page is not readable.
 */
#include "priv.h"

#define PX 0x40000000   /* X only */
#define PU 0x40001000   /* RW, U = 1 */
#define PN 0x40002000   /* invalid (V = 0) */
#define AD (PTE_V | PTE_A | PTE_D)

  .text
  .globl main
main:
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS PX, TPAGE(0), AD | PTE_X, LVL_4K
  MAPS PU, TPAGE(1), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS PN, TPAGE(2), PTE_R | PTE_W, LVL_4K
  call vm_enable
  GOTO_S
  li s0, PX
  li s1, PU
  li s2, PN
  /* execute-only page */
  TEST 3
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s0, amoadd.d a0, a0, (s0)
  /* U page, SUM = 0 */
  TEST 4
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s1, amoswap.w a0, a0, (s1)
  /* invalid PTE */
  TEST 5
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s2, amomax.w a0, a0, (s2)
  /* non-canonical VA */
  TEST 6
  li a1, 0x8000000040000000
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, amoor.d a0, a0, (a1)
  /* with SUM = 1 the U page works */
  TEST 7
  li a0, MSTATUS_SUM
  csrs sstatus, a0
  li a0, 5
  amoadd.d a1, a0, (s1)
  ld a1, 0(s1)
  CHECK_EQI a1, 5
  GOTO_M
  call vm_disable
  PASS
