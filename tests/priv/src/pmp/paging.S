/*
 * pmp/paging — PMP and paging (privileged 1.12 §3.7.2): the implicit page-table reads of
 * an S/U translation are checked by PMP with S privilege, and a failure raises the access
 * fault of the original access type (§4.3.2 step 2); the final physical access is checked
 * too (access fault, xtval = the VA). M-mode (without L entries) walks nothing.
 * Layout: 0 = the page-table pool, no permissions; then, once the walk is allowed,
 * 0 = pool R, 1 = TPAGE(1) none; 7 = image RWX.
 */
#include "priv.h"

#define VA0 0x40000000   /* -> TPAGE(0), PTE RW */
#define VA1 0x40001000   /* -> TPAGE(1), PTE RW, PMP none */

  .text
  .globl main
main:
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS VA0, TPAGE(0), PTE_LEAF_RWX, LVL_4K
  MAPS VA1, TPAGE(1), PTE_LEAF_RWX, LVL_4K
  call vm_enable
  PMP_CLEAR_ALL
  lla a0, pt_pool_start
  srli a0, a0, 2
  li a1, (0x20000 >> 3) - 1               /* the 128 KiB pool (aligned: see link.ld) */
  or a0, a0, a1
  csrw pmpaddr0, a0
  PMP_NAPOT_C a0, RAM_BASE, 0x200000
  csrw pmpaddr7, a0
  li a0, ((PMP_A_NAPOT) << 0) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  sfence.vma
  /* the walk itself is denied: even the first fetch after entering S fails */
  TEST 3
  ARM 1, CAUSE_FETCH_ACCESS, PRV_S, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, 1f
  TR_SET_RESUME_M 2f
  MRET_TO PRV_S, 1f
1:
  j fail
2:
  CHECK_ALL_TAKEN
  /* allow reading the pool: S works; a data access to a PMP-denied page faults with VA */
  TEST 4
  PMP_NAPOT a0, TPAGE(1), PAGE
  csrw pmpaddr1, a0
  li a0, ((PMP_A_NAPOT | PMP_R) << 0) | ((PMP_A_NAPOT) << 8) | ((PMP_A_NAPOT | PMP_R | PMP_W | PMP_X) << 56)
  csrw pmpcfg0, a0
  sfence.vma
  GOTO_S
  li s0, VA0
  li s1, VA1
  sd a0, 0(s0)
  ld a0, 0(s0)
  TEST 5
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s1, ld a0, 0(s1)
  TEST 6
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s1, sd a0, 0(s1)
  TEST 7
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_S, PRV_M, s1
  /* hardware A/D update needs write access to the PTE: with the pool read-only a store to
   * a page whose PTE has D = 0 either faults (store access fault for the PTE write, or a
   * page fault under the trap-on-A/D scheme) or does not update; here PTEs already have
   * A = D = 1, so nothing is written: the store succeeds */
  TEST 8
  sd a0, 8(s0)
  GOTO_M
  call vm_disable
  PASS
