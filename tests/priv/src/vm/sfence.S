/*
 * vm/sfence — SFENCE.VMA makes PTE changes visible.
 * Spec 1.12 §4.2.1: after a PTE store, SFENCE.VMA (rs1 = x0: all VAs; rs1 = va: the leaf
 * entries for that VA; rs2 = ASID: that address space's non-global entries) orders the
 * update before subsequent implicit page-table reads, so the new mapping/permission is used.
 * Changes of non-leaf PTEs need rs1 = x0. Applies to instruction fetches too. Nothing is
 * asserted about stale translations (an implementation may walk the tables every time).
 */
#include "priv.h"

#define VX 0x40000000     /* data page */
#define VY 0x40200000     /* second level-0 table */
#define VC 0x40001000     /* code page */
#define AD (PTE_V | PTE_A | PTE_D)

/* PTE value for physical page `sym` with flags */
.macro PTEVAL reg, sym, flags
  lla \reg, \sym
  srli \reg, \reg, 12
  slli \reg, \reg, 10
  ori \reg, \reg, \flags
.endm

  .text
  .globl main
main:
  /* data: TPAGE(n)[0] = n + 0x100; code: TPAGE(4) returns 11, TPAGE(5) returns 22 */
  li a0, 0
1:
  slli a1, a0, 12
  lla a2, test_pages
  add a2, a2, a1
  addi a3, a0, 0x100
  sd a3, 0(a2)
  addi a0, a0, 1
  li a1, 4
  bltu a0, a1, 1b
  lla a0, leaf11
  ld a1, 0(a0)
  lla a2, TPAGE(4)
  sd a1, 0(a2)
  lla a0, leaf22
  ld a1, 0(a0)
  lla a2, TPAGE(5)
  sd a1, 0(a2)
  fence.i
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS VX, TPAGE(0), AD | PTE_R | PTE_W, LVL_4K
  mv s0, a0                         /* &PTE(VX) */
  MAPS VC, TPAGE(4), AD | PTE_X, LVL_4K
  mv s1, a0                         /* &PTE(VC) */
  MAPS VY, TPAGE(3), AD | PTE_R | PTE_W, LVL_4K
  lla s2, vm_state
  ld s2, 8(s2)
  ld s2, 8(s2)                      /* root[1] -> level-1 table */
  srli s2, s2, 10
  slli s2, s2, 12                   /* s2 = level-1 table; entry 0: VX, entry 1: VY */
  call vm_enable
  GOTO_S
  li s3, VX
  li s4, VC
  TEST 3
  ld a0, 0(s3)
  CHECK_EQI a0, 0x100
  /* remap VX -> TPAGE(1), global fence */
  TEST 4
  PTEVAL a1, TPAGE(1), AD | PTE_R | PTE_W
  sd a1, 0(s0)
  sfence.vma
  ld a0, 0(s3)
  CHECK_EQI a0, 0x101
  /* remap VX -> TPAGE(2), fence by address */
  TEST 5
  PTEVAL a1, TPAGE(2), AD | PTE_R | PTE_W
  sd a1, 0(s0)
  sfence.vma s3, zero
  ld a0, 0(s3)
  CHECK_EQI a0, 0x102
  /* remap VX -> TPAGE(0), fence by ASID 0 (satp.ASID is 0) */
  TEST 6
  PTEVAL a1, TPAGE(0), AD | PTE_R | PTE_W
  sd a1, 0(s0)
  sfence.vma zero, zero
  li a2, 0
  sfence.vma zero, a2
  ld a0, 0(s3)
  CHECK_EQI a0, 0x100
  /* invalidate: the access now faults */
  TEST 7
  sd zero, 0(s0)
  sfence.vma s3, zero
  TRAP_R CAUSE_LOAD_PAGE, PRV_S, PRV_M, TVK_EXACT, s3, ld a0, 0(s3)
  /* valid again, read-only */
  TEST 8
  PTEVAL a1, TPAGE(0), AD | PTE_R
  sd a1, 0(s0)
  sfence.vma s3, zero
  ld a0, 0(s3)
  CHECK_EQI a0, 0x100
  TRAP_R CAUSE_STORE_PAGE, PRV_S, PRV_M, TVK_EXACT, s3, sd a0, 0(s3)
  /* writable again */
  TEST 9
  PTEVAL a1, TPAGE(0), AD | PTE_R | PTE_W
  sd a1, 0(s0)
  sfence.vma s3, zero
  li a0, 0x200
  sd a0, 8(s3)
  /* instruction fetch: code page remapped */
  TEST 10
  li a0, 0
  jalr ra, 0(s4)
  CHECK_EQI a0, 11
  PTEVAL a1, TPAGE(5), AD | PTE_X
  sd a1, 0(s1)
  sfence.vma s4, zero
  li a0, 0
  jalr ra, 0(s4)
  CHECK_EQI a0, 22
  /* non-leaf change: level-1 entry 0 (VX's table) := entry 1 (VY's table), global fence;
   * VX now translates through VY's level-0 table, entry 0 -> TPAGE(3) */
  TEST 11
  ld a1, 8(s2)
  sd a1, 0(s2)
  sfence.vma
  ld a0, 0(s3)
  CHECK_EQI a0, 0x103
  /* sfence.vma is also legal in M-mode */
  TEST 12
  GOTO_M
  sfence.vma
  call vm_disable
  lla a1, TPAGE(0)
  ld a0, 8(a1)
  CHECK_EQI a0, 0x200
  PASS

  .balign 8
leaf11:
  .option push
  .option norvc
  li a0, 11
  ret
leaf22:
  li a0, 22
  ret
  .option pop
