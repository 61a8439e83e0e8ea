/*
 * misaligned/ldst_paged — misaligned accesses under Sv39 in S- and U-mode, crossing a page
 * boundary between two pages that are not physically contiguous, and into a page that faults.
 * Unprivileged ISA: misaligned accesses are performed (by hv and QEMU) as if by bytes;
 * privileged 1.12 §4.1.9 (stval): for a misaligned access that faults, xtval is "the virtual
 * address of the portion of the access that caused the fault" - here some address in
 * [first byte of the faulting page, last byte of the access]; the access is not performed
 * (loads leave rd unchanged).
 */
#include "priv.h"

#define VA 0x40000000      /* -> TPAGE(0) */
#define VB 0x40001000      /* -> TPAGE(5): not contiguous with TPAGE(0) */
#define VC 0x40002000      /* -> TPAGE(6) */
#define VD 0x40003000      /* unmapped */
#define VE 0x40004000      /* -> TPAGE(7) RW */
#define VF 0x40005000      /* -> TPAGE(8) R only */
#define AD (PTE_V | PTE_A | PTE_D)

/* ARM for one fault whose tval must lie in [lo, hi) (checked afterwards) */
.macro FAULT_IN cause, from, lo, hi, insn:vararg
  li s10, \lo
  li s11, \hi
  ARM 1, \cause, \from, PRV_M, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, .Lins\@
  TR_SET_LABEL TR_RESUME, .Lres\@
  .balign 4
  .option push
  .option norvc
.Lins\@:
  \insn
  .option pop
  j fail
.Lres\@:
  CHECK_ALL_TAKEN
  TR_LD t4, TR_GTVAL
  sltu t3, t4, s10
  CHECK_EQI t3, 0
  CHECK_LTU t4, s11
.endm

  .text
  .globl main
main:
  /* distinct byte patterns at the end of TPAGE(0) and the start of TPAGE(5) */
  lla a0, TPAGE(1) - 8
  li a1, 0xa7a6a5a4a3a2a1a0
  sd a1, 0(a0)
  lla a0, TPAGE(5)
  li a1, 0xb7b6b5b4b3b2b1b0
  sd a1, 0(a0)
  lla a0, TPAGE(1)        /* the physically next page holds something else */
  li a1, 0xc7c6c5c4c3c2c1c0
  sd a1, 0(a0)
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, PTE_U
  call vm_map_identity     /* U-accessible identity map: S (SUM = 1) and U both use it */
  MAPS VA, TPAGE(0), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS VB, TPAGE(5), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS VC, TPAGE(6), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS VE, TPAGE(7), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS VF, TPAGE(8), AD | PTE_R | PTE_U, LVL_4K
  call vm_enable
  /* ---------- U-mode (S-mode cannot run on this U identity map: its own table below) */
  GOTO_U
  TEST 3
  li a0, VB - 3
  ld a1, 0(a0)
  li a2, 0xb4b3b2b1b0a7a6a5
  CHECK_EQ a1, a2
  TEST 4
  li a0, VB - 1
  lw a1, 0(a0)
  li a2, 0xffffffffb2b1b0a7
  CHECK_EQ a1, a2
  lhu a1, 0(a0)
  CHECK_EQI a1, 0xb0a7
  TEST 5
  li a0, VB - 5
  li a1, 0x1122334455667788
  sd a1, 0(a0)
  ld a2, 0(a0)
  CHECK_EQ a1, a2
  li a0, VB
  lbu a2, 0(a0)
  CHECK_EQI a2, 0x33
  lbu a2, 3(a0)
  CHECK_EQI a2, 0xb3            /* untouched */
  /* FP across the boundary */
  TEST 6
  li a0, VB - 2
  fld f1, 0(a0)
  fmv.x.d a1, f1
  li a2, 0xb5b4b31122334455
  CHECK_EQ a1, a2
  /* into an unmapped page: load page fault, rd unchanged */
  TEST 7
  li a0, VD - 4
  li a1, 0x5a5a
  FAULT_IN CAUSE_LOAD_PAGE, PRV_U, VD, VD + 4, ld a1, 0(a0)
  CHECK_EQI a1, 0x5a5a
  TEST 8
  li a0, VD - 1
  FAULT_IN CAUSE_STORE_PAGE, PRV_U, VD, VD + 1, sw a1, 0(a0)
  /* into a read-only page: store page fault */
  TEST 9
  li a0, VF - 2
  FAULT_IN CAUSE_STORE_PAGE, PRV_U, VF, VF + 6, sd a1, 0(a0)
  /* but a load across into the read-only page works */
  TEST 10
  li a0, VF - 2
  lw a1, 0(a0)
  GOTO_M
  /* the U store of test 5 landed in TPAGE(0) end / TPAGE(5) start, not TPAGE(1) */
  TEST 11
  lla a0, TPAGE(1)
  ld a1, 0(a0)
  li a2, 0xc7c6c5c4c3c2c1c0
  CHECK_EQ a1, a2
  lla a0, TPAGE(1) - 5
  lbu a1, 0(a0)
  CHECK_EQI a1, 0x88
  lla a0, TPAGE(5)
  lbu a1, 2(a0)
  CHECK_EQI a1, 0x11
  /* ---------- S-mode (its own table: S identity, U data pages, SUM = 1) ---------- */
  li a0, SATP_MODE_SV39
  call vm_init
  li a0, 0
  call vm_map_identity
  MAPS VA, TPAGE(0), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS VB, TPAGE(5), AD | PTE_R | PTE_W, LVL_4K
  MAPS VE, TPAGE(7), AD | PTE_R | PTE_W, LVL_4K
  MAPS VF, TPAGE(8), AD | PTE_R, LVL_4K
  call vm_enable
  GOTO_S
  /* crossing from a U page into an S page: SUM = 0 -> the first part faults */
  TEST 12
  li a0, VB - 4
  FAULT_IN CAUSE_LOAD_PAGE, PRV_S, VB - 4, VB, ld a1, 0(a0)
  /* SUM = 1: both parts accessible */
  TEST 13
  li a1, MSTATUS_SUM
  csrs sstatus, a1
  ld a1, 0(a0)
  li a0, VB - 2
  li a1, 0x0f0e0d0c0b0a0908
  sd a1, 0(a0)
  ld a2, 0(a0)
  CHECK_EQ a1, a2
  /* S store straddling into the read-only page faults; tval in the read-only page */
  TEST 14
  li a0, VF - 1
  FAULT_IN CAUSE_STORE_PAGE, PRV_S, VF, VF + 7, sd a1, 0(a0)
  /* unmapped page (VC is not mapped in this table) */
  TEST 15
  li a0, VC - 2
  FAULT_IN CAUSE_LOAD_PAGE, PRV_S, VC, VC + 2, lw a1, 0(a0)
  GOTO_M
  call vm_disable
  PASS
