/*
 * vm/mprv — mstatus.MPRV: M-mode loads and stores translated and protected as if in MPP.
 * Spec 1.12 §3.1.6.3: with MPRV = 1, explicit loads/stores in M-mode use the privilege in
 * MPP (translation, U/SUM/MXR checks); instruction fetches are unaffected. With MPP = M
 * (or MPRV = 0) nothing is translated. Faults are taken into M (from M) with xtval = VA,
 * even when medeleg would delegate them (§3.1.8: traps never go to a lower privilege).
 * (crt.S's M handler clears MPRV after a trap from M because the trap rewrote MPP.)
 */
#include "priv.h"

#define VS_ 0x40000000   /* RW S page -> TPAGE(0) */
#define VU  0x40001000   /* RW U page -> TPAGE(1) */
#define VX  0x40002000   /* X S page  -> TPAGE(2) */
#define AD (PTE_V | PTE_A | PTE_D)

.macro SET_MPRV mpp
  li t5, MSTATUS_MPP
  csrc mstatus, t5
  li t5, MSTATUS_MPRV | ((\mpp) << 11)
  csrs mstatus, t5
.endm
.macro CLR_MPRV
  li t5, MSTATUS_MPRV
  csrc mstatus, t5
.endm

/*
 * Like TRAP_R, but MPRV (with MPP = mpp) is switched on right before the instruction: the
 * trap-record writes of ARM must not be translated. Uses t4.
 */
.macro MTRAP mpp, cause, treg, insn:vararg
  ARM 1, \cause, PRV_M, PRV_M, TVK_EXACT, 0
  TR_SET_REG TR_TVAL, \treg
  TR_SET_LABEL TR_EPC, .Lins\@
  TR_SET_LABEL TR_RESUME, .Lres\@
  li t5, MSTATUS_MPP
  csrc mstatus, t5
  li t4, MSTATUS_MPRV | ((\mpp) << 11)
  .balign 4
  .option push
  .option norvc
  csrs mstatus, t4
.Lins\@:
  \insn
  .option pop
  j fail
.Lres\@:
  CHECK_ALL_TAKEN
.endm

  .text
  .globl main
main:
  lla a0, TPAGE(0)
  li a1, 0x5050505050505050
  sd a1, 0(a0)
  lla a0, TPAGE(1)
  li a1, 0x5151515151515151
  sd a1, 0(a0)
  lla a0, TPAGE(2)
  li a1, 0x5252525252525252
  sd a1, 0(a0)
  /* no identity map at all: M's own fetches must not be translated */
  li a0, SATP_MODE_SV39
  call vm_init
  MAPS VS_, TPAGE(0), AD | PTE_R | PTE_W, LVL_4K
  MAPS VU, TPAGE(1), AD | PTE_R | PTE_W | PTE_U, LVL_4K
  MAPS VX, TPAGE(2), AD | PTE_X, LVL_4K
  call vm_enable
  li s0, VS_
  li s1, VU
  li s2, VX
  /* MPRV = 1, MPP = S: loads/stores through the S page; code keeps running untranslated */
  TEST 3
  SET_MPRV PRV_S
  ld a0, 0(s0)
  li a1, 0x1234
  sd a1, 8(s0)
  CLR_MPRV
  CHECK_EQI a0, 0x5050505050505050
  lla a2, TPAGE(0)
  ld a0, 8(a2)
  CHECK_EQI a0, 0x1234
  /* MPP = S, SUM = 0: U page faults (load page fault from M, tval = VA) */
  TEST 4
  MTRAP PRV_S, CAUSE_LOAD_PAGE, s1, ld a0, 0(s1)
  TEST 5
  MTRAP PRV_S, CAUSE_STORE_PAGE, s1, sd a0, 0(s1)
  /* MPP = S, SUM = 1: U page ok */
  TEST 6
  li a0, MSTATUS_SUM
  csrs mstatus, a0
  SET_MPRV PRV_S
  ld a0, 0(s1)
  CLR_MPRV
  CHECK_EQI a0, 0x5151515151515151
  li a0, MSTATUS_SUM
  csrc mstatus, a0
  /* MPP = U: U page ok, S page faults */
  TEST 7
  SET_MPRV PRV_U
  ld a0, 0(s1)
  CLR_MPRV
  CHECK_EQI a0, 0x5151515151515151
  TEST 8
  MTRAP PRV_U, CAUSE_LOAD_PAGE, s0, lw a0, 0(s0)
  /* MXR with MPRV: execute-only page readable only with MXR = 1 */
  TEST 9
  MTRAP PRV_S, CAUSE_LOAD_PAGE, s2, ld a0, 0(s2)
  TEST 10
  li a0, MSTATUS_MXR
  csrs mstatus, a0
  SET_MPRV PRV_S
  ld a0, 0(s2)
  CLR_MPRV
  CHECK_EQI a0, 0x5252525252525252
  li a0, MSTATUS_MXR
  csrc mstatus, a0
  /* unmapped VA under MPRV */
  TEST 11
  li a1, 0x40003000
  MTRAP PRV_S, CAUSE_STORE_PAGE, a1, sb a0, 0(a1)
  /* MPRV = 1 with MPP = M: no translation (PA of TPAGE(1) works directly) */
  TEST 12
  SET_MPRV PRV_M
  lla a1, TPAGE(1)
  ld a0, 0(a1)
  CLR_MPRV
  CHECK_EQI a0, 0x5151515151515151
  /* MPRV = 0: no translation even with satp set and MPP = S */
  TEST 13
  li a0, MSTATUS_MPP
  csrc mstatus, a0
  li a0, MSTATUS_MPP_S
  csrs mstatus, a0
  lla a1, TPAGE(2)
  ld a0, 0(a1)
  CHECK_EQI a0, 0x5252525252525252
  /* page faults raised in M-mode (through MPRV) are never delegated */
  TEST 14
  li a0, (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE)
  csrw medeleg, a0
  MTRAP PRV_S, CAUSE_LOAD_PAGE, s1, ld a0, 0(s1)
  csrw medeleg, zero
  call vm_disable
  PASS
