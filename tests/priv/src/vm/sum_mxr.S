/*
 * vm/sum_mxr — mstatus/sstatus SUM and MXR.
 * Spec 1.12 §4.1.1.2 (Memory Privilege in sstatus) and §3.1.6.3: SUM = 1 lets S-mode load
 * and store U pages, but S-mode never executes from U pages; MXR = 1 makes loads from
 * execute-only pages succeed (stores still need W); MXR applies to U-mode too. Both have no
 * effect with translation off. (S fetch from a U page that S-mode has just read with
 * SUM = 1: vm/sum_exec.S.)
 */
#include "priv.h"

#define PU  0x40000000  /* RW,  U */
#define PUX 0x40001000  /* RWX, U (code) */
#define PX  0x40002000  /* X (data pattern + code) */
#define PUXO 0x40003000 /* X, U */
#define AD (PTE_V | PTE_A | PTE_D)

  .text
  .globl main
main:
  lla a0, leaf
  ld a1, 0(a0)
  lla a2, TPAGE(1)
  sd a1, 0(a2)
  li a3, 0x5858585858585858
  sd a3, 8(a2)
  lla a2, TPAGE(2)
  sd a1, 0(a2)
  sd a3, 8(a2)
  fence.i
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS PU, TPAGE(0), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS PUX, TPAGE(1), AD | PTE_R | PTE_W | PTE_X | PTE_U, LVL_4K
  MAPS PX, TPAGE(2), AD | PTE_X, LVL_4K
  MAPS PUXO, TPAGE(2), AD | PTE_X | PTE_U, LVL_4K
  call vm_enable
  GOTO_S
  li s0, PU
  li s1, PUX
  li s2, PX
  li s3, PUXO
  /* SUM = 0: U page load/store fault */
  TEST 3
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s0, ld a0, 0(s0)
  TEST 4
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s0, sd a0, 0(s0)
  /* SUM = 1: load/store/AMO ok */
  TEST 5
  li a0, MSTATUS_SUM
  csrs sstatus, a0
  li a0, 0x5353
  sd a0, 0(s0)
  ld a1, 0(s0)
  CHECK_EQ a0, a1
  amoadd.d a1, a0, (s0)
  /* SUM = 1: still no execution of U pages */
  TEST 6
  TRAP_JUMP CAUSE_FETCH_PAGE, PRV_S, PRV_M, s1
  /* SUM = 0 again: faults again (after the CSR write, no stale permission) */
  TEST 7
  li a0, MSTATUS_SUM
  csrc sstatus, a0
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s0, lw a0, 0(s0)
  /* MXR = 0: execute-only page not readable */
  TEST 8
  addi a1, s2, 8
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  /* MXR = 1: readable, not writable, still executable */
  TEST 9
  li a0, MSTATUS_MXR
  csrs sstatus, a0
  ld a0, 8(s2)
  CHECK_EQI a0, 0x5858585858585858
  TEST 10
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s2, sd a0, 0(s2)
  TEST 11
  li a0, 0
  jalr ra, 0(s2)
  CHECK_EQI a0, 99
  /* MXR = 1 with a U execute-only page: still needs SUM from S */
  TEST 12
  addi a1, s3, 8
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  TEST 13
  li a0, MSTATUS_SUM
  csrs sstatus, a0
  ld a0, 8(s3)
  CHECK_EQI a0, 0x5858585858585858
  /* MXR = 0: the same load faults again */
  TEST 14
  li a0, MSTATUS_MXR
  csrc sstatus, a0
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  li a0, MSTATUS_SUM
  csrc sstatus, a0
  /* U-mode with MXR: needs a U-executable identity map */
  TEST 15
  GOTO_M
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, PTE_U
  call vm_map_identity
  MAPS PUXO, TPAGE(2), AD | PTE_X | PTE_U, LVL_4K
  call vm_enable
  GOTO_U
  addi a1, s3, 8
  TRAP_R CAUSE_LOAD_PAGE, PRV_U, PRV_M, TVK_EXACT, a1, ld a0, 0(a1)
  GOTO_M
  TEST 16
  li a0, MSTATUS_MXR
  csrs mstatus, a0
  GOTO_U
  ld a0, 8(s3)
  CHECK_EQI a0, 0x5858585858585858
  li a0, 0
  jalr ra, 0(s3)
  CHECK_EQI a0, 99
  GOTO_M
  /* bare translation: SUM/MXR irrelevant */
  TEST 17
  call vm_disable
  li a0, MSTATUS_MXR | MSTATUS_SUM
  csrc mstatus, a0
  GOTO_S
  lla a1, TPAGE(0)
  ld a0, 0(a1)
  CHECK_EQI a0, 0x5353 + 0x5353
  GOTO_M
  PASS

  .balign 8
leaf:
  .option push
  .option norvc
  li a0, 99
  ret
  .option pop
