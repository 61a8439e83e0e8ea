/*
 * vm/ad — Accessed and Dirty bits.
 * Spec 1.12 §4.3.1 / §4.3.2 step 7: when a leaf PTE has A = 0, or D = 0 for a store, the
 * implementation either raises the page fault of the access type, or sets A (and D for
 * stores) in the PTE in memory, atomically with the permission check. Both schemes are
 * accepted here (hv and QEMU update the PTE, so the update path is what they exercise):
 * if the access completes, the PTE in memory must now have A (and D for stores/AMOs, and
 * not D for loads/fetches); if it traps, the PTE must be unchanged. Accesses that fail the
 * permission check (step 5) never set A/D. Non-leaf PTEs' A/D/U are reserved: never set.
 */
#include "priv.h"

#define P0 0x40000000   /* RW, A=0 D=0: load   */
#define P1 0x40001000   /* RW, A=1 D=0: store  */
#define P2 0x40002000   /* X,  A=0:     fetch  */
#define P3 0x40003000   /* RW, A=0 D=0: store  */
#define P4 0x40004000   /* RW, A=1 D=0: AMO    */
#define P5 0x40005000   /* R,  A=0 D=0: store -> fault, no update */
#define P6 0x40006000   /* RW U, A=0: S load with SUM=0 -> fault, no update */
#define PM 0x40200000   /* 2 MiB RW, A=0 D=0 */

/*
 * After MAYBE_TRAP: flag = 1 if it trapped. Not trapped: PTE at [pte] must have all of
 * `set` and none of `clr`. Trapped: the PTE must have none of `set`.
 */
.macro AD_CHECK flag, pte, set, clr
  ld t4, 0(\pte)
  bnez \flag, .Ltrapped\@
  CHECK_SET t4, \set
  CHECK_CLR t4, \clr
  j .Ldone\@
.Ltrapped\@:
  CHECK_CLR t4, \set
.Ldone\@:
.endm

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
  MAPS P0, TPAGE(0), PTE_V | PTE_R | PTE_W, LVL_4K
  mv s0, a0
  MAPS P1, TPAGE(1), PTE_V | PTE_R | PTE_W | PTE_A, LVL_4K
  mv s1, a0
  MAPS P2, TPAGE(2), PTE_V | PTE_X, LVL_4K
  mv s2, a0
  MAPS P3, TPAGE(3), PTE_V | PTE_R | PTE_W, LVL_4K
  mv s3, a0
  MAPS P4, TPAGE(4), PTE_V | PTE_R | PTE_W | PTE_A, LVL_4K
  mv s4, a0
  MAPS P5, TPAGE(5), PTE_V | PTE_R, LVL_4K
  mv s5, a0
  MAPS P6, TPAGE(6), PTE_V | PTE_R | PTE_W | PTE_U, LVL_4K
  mv s6, a0
  MAP PM, PRIV_FREE_2M, PTE_V | PTE_R | PTE_W, LVL_2M
  mv s7, a0
  call vm_enable
  lla s8, vm_state
  ld s8, 8(s8)             /* root table */
  GOTO_S
  /* load: A set, D not */
  TEST 3
  li s9, P0
  MAYBE_TRAP a5, CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, ld a0, 0(s9)
  AD_CHECK a5, s0, PTE_A, PTE_D
  /* store with A = 1, D = 0: D set */
  TEST 4
  li s9, P1
  MAYBE_TRAP a5, CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, sd a0, 0(s9)
  AD_CHECK a5, s1, PTE_D, 0
  ld t4, 0(s1)
  CHECK_SET t4, PTE_A
  /* fetch: A set, D not */
  TEST 5
  li s9, P2
  ARM 1, CAUSE_FETCH_PAGE, PRV_S, PRV_M, TVK_EXACT, P2
  TR_SET_REG TR_EPC, s9
  TR_SET_LABEL TR_RESUME, 1f
  li a0, 0
  jalr ra, 0(s9)
1:
  TR_LD a5, TR_EXPECT
  xori a5, a5, 1
  DISARM
  AD_CHECK a5, s2, PTE_A, PTE_D
  /* store with A = 0, D = 0: both set */
  TEST 6
  li s9, P3
  MAYBE_TRAP a5, CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, sw a0, 0(s9)
  AD_CHECK a5, s3, PTE_A | PTE_D, 0
  /* AMO: D set */
  TEST 7
  li s9, P4
  MAYBE_TRAP a5, CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, amoadd.d a0, a0, (s9)
  AD_CHECK a5, s4, PTE_D, 0
  /* store to a read-only page: fault, and neither A nor D set */
  TEST 8
  li s9, P5
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, sd a0, 0(s9)
  ld t4, 0(s5)
  CHECK_CLR t4, PTE_A | PTE_D
  /* load from a U page with SUM = 0: fault, A not set */
  TEST 9
  li s9, P6
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, ld a0, 0(s9)
  ld t4, 0(s6)
  CHECK_CLR t4, PTE_A | PTE_D
  /* megapage: load sets A only, then a store sets D */
  TEST 10
  li s9, PM + 0x12340
  MAYBE_TRAP a5, CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, ld a0, 0(s9)
  AD_CHECK a5, s7, PTE_A, PTE_D
  TEST 11
  MAYBE_TRAP a5, CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s9, sd a0, 0(s9)
  AD_CHECK a5, s7, PTE_D, 0
  /* non-leaf PTEs untouched: root[1] (VA 0x40000000) and its level-1 entry for P0..P6 */
  TEST 12
  ld t4, 8(s8)
  CHECK_CLR t4, PTE_A | PTE_D | PTE_U
  srli t3, t4, 10
  slli t3, t3, 12          /* level-1 table */
  ld t4, 0(t3)
  CHECK_CLR t4, PTE_A | PTE_D | PTE_U
  GOTO_M
  call vm_disable
  PASS

  .balign 8
leaf:
  .option push
  .option norvc
  li a0, 7
  ret
  .option pop
