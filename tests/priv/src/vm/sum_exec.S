/*
 * vm/sum_exec — "S-mode can never execute instructions from user pages, regardless of the
 * state of SUM" (privileged 1.12 §4.1.1.2), also right after S-mode has legitimately read
 * the same U page with SUM = 1 (a translation cached for the load must not grant execute).
 *
 * QEMU-XFAIL: 4  QEMU 7.2 caches the PTE's X permission with the load's TLB fill and then
 *                lets S-mode execute the U page.
 */
#include "priv.h"

#define PUX 0x40001000  /* RWX, U (code) */
#define AD (PTE_V | PTE_A | PTE_D)

  .text
  .globl main
main:
  lla a0, leaf
  ld a1, 0(a0)
  lla a2, TPAGE(1)
  sd a1, 0(a2)
  fence.i
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS PUX, TPAGE(1), AD | PTE_R | PTE_W | PTE_X | PTE_U, LVL_4K
  call vm_enable
  GOTO_S
  li s1, PUX
  li a0, MSTATUS_SUM
  csrs sstatus, a0
  /* load from the U page with SUM = 1: allowed */
  TEST 3
  ld a1, 0(s1)
  /* executing it: page fault */
  TEST 4
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s1
  /* also after an explicit sfence.vma */
  TEST 5
  sfence.vma
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s1
  GOTO_M
  call vm_disable
  PASS

  .balign 8
leaf:
  .option push
  .option norvc
  li a0, 99
  ret
  .option pop
