/*
 * vm/canonical — Sv39 virtual addresses must be sign-extended from bit 38.
 * Spec 1.12 §4.4: "instruction fetch addresses and load and store effective addresses,
 * which are 64 bits, must have bits 63-39 all equal to bit 38, or else a page-fault
 * exception will occur". xtval = the whole faulting VA.
 */
#include "priv.h"

  .text
  .globl main
main:
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  /* also map the top gigabyte, so that a truncated VA would hit a valid mapping */
  MAP 0xffffffffc0000000, RAM_BASE, PTE_LEAF_RWX, LVL_1G
  call vm_enable
  GOTO_S
  /* bit 38 set, bits 63:39 clear */
  TEST 3
  li a1, 0x0000004000000000
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  /* the low 39 bits of this are 0x7fc0000000 + ..., mapped if bits 63:39 were ignored */
  TEST 4
  li a1, 0x0000007fc0000000
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sd a0, 0(a1)
  /* bits 63:39 set, bit 38 clear: the identity range with the upper bits set */
  TEST 5
  li a1, 0xffffff8080000000
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, lw a0, 0(a1)
  /* only bit 63 set */
  TEST 6
  li a1, 0x8000000080000000
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, lbu a0, 0(a1)
  TEST 7
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, sh a0, 0(a1)
  /* fetch: jump to a non-canonical alias of this code */
  TEST 8
  lla a1, 1f
  li a2, 0x0100000000000000
  or a1, a1, a2
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, a1
1:
  /* canonical upper-half addresses work */
  TEST 9
  li a1, 0xffffffffc0000000
  lla a2, magic
  li a3, RAM_BASE
  sub a2, a2, a3
  add a1, a1, a2
  ld a0, 0(a1)
  CHECK_EQI a0, 0x1357
  GOTO_M
  call vm_disable
  PASS

  .data
  .balign 8
magic:
  .dword 0x1357
