/*
 * vm/pa_fault — translations that reach non-existent physical memory.
 * Spec 1.12 §3.6 (PMA: accesses to regions without memory fail with access faults) and
 * §4.3.2 step 8: a leaf whose physical address has no memory gives the access fault of the
 * access type (1, 5, 7). (A page-table pointer into nothing: vm/ptw_access.S.)
 * xtval = the VA. The address used, 0x40_0000_0000 (256 GiB), is empty on both QEMU's
 * spike machine and hv's machine.
 */
#include "priv.h"

#define NOMEM 0x4000000000
#define VLEAF 0x40000000          /* leaf -> NOMEM */

  .text
  .globl main
main:
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAP VLEAF, NOMEM, PTE_LEAF_RWX, LVL_4K
  call vm_enable
  GOTO_S
  li s0, VLEAF
  TEST 3
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s0, ld a0, 0(s0)
  TEST 4
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  TEST 5
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_S, PRV_M, s0
  /* bare mode, M-mode: physical access faults with xtval = the PA */
  TEST 6
  GOTO_M
  call vm_disable
  li s2, NOMEM + 8
  TRAP_R CAUSE_LOAD_ACCESS, PRV_M, PRV_M, TVK_EXACT, s2, ld a0, 0(s2)
  TEST 7
  TRAP_R CAUSE_STORE_ACCESS, PRV_M, PRV_M, TVK_EXACT, s2, sd a0, 0(s2)
  TEST 8
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_M, PRV_M, s2
  PASS
