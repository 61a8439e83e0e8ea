/*
 * vm/ptw_access — the implicit page-table accesses are checked too (privileged 1.12 §4.3.2
 * step 2: "If accessing pte violates a PMA or PMP check, raise an access-fault exception
 * corresponding to the original access type"). A non-leaf PTE that points at a table in
 * non-existent physical memory (0x40_0000_0000) gives access faults 5/7/1, xtval = VA.
 *
 * QEMU-XFAIL: 3  QEMU 7.2 raises a page fault (13) instead.
 */
#include "priv.h"

#define NOMEM 0x4000000000
#define VPTR  0x40200000

  .text
  .globl main
main:
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAP VPTR, NOMEM, PTE_V, LVL_2M                  /* level-1 pointer into nothing */
  call vm_enable
  GOTO_S
  li s1, VPTR + 0x1230
  TEST 3
  TRAP_R CAUSE_LOAD_ACCESS, PRV_S, PRV_M, TVK_EXACT, s1, lw a0, 0(s1)
  TEST 4
  TRAP_R CAUSE_STORE_ACCESS, PRV_S, PRV_M, TVK_EXACT, s1, sw a0, 0(s1)
  TEST 5
  TRAP_JUMP CAUSE_FETCH_ACCESS, PRV_S, PRV_M, s1
  /* a root (satp) that points at nothing */
  TEST 6
  GOTO_M
  li a0, (SATP_MODE_SV39 << SATP_MODE_SHIFT) | (NOMEM >> 12)
  csrw satp, a0
  sfence.vma
  li a0, MSTATUS_MPRV | MSTATUS_MPP_S     /* M-mode loads as S: the code keeps running */
  li s2, 0x80001000
  ARM 1, CAUSE_LOAD_ACCESS, PRV_M, PRV_M, TVK_EXACT, 0x80001000
  TR_SET_LABEL TR_RESUME, 1f
  li a1, MSTATUS_MPP
  csrc mstatus, a1
  csrs mstatus, a0
  ld a1, 0(s2)
  j fail
1:
  CHECK_ALL_TAKEN
  call vm_disable
  PASS
