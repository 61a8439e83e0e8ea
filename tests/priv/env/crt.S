/*
 * crt.S — start-up code, trap handlers and helpers shared by every privileged test program.
 * Linked in front of each tests/priv/src/<area>/<name>.S (see tests/priv/build.ts).
 *
 * Reporting: HTIF `tohost` (64-bit, 64-byte aligned). 1 = pass, (n << 1) | 1 = check n failed.
 *
 * Trap framework. A test arms `trap_rec` (macros ARM, TRAP, TRAP_ILL, TRAP_INT... in priv.h) with the
 * expected xcause, xtval, xepc, the privilege the trap must come from (MPP/SPP) and the
 * handler that must take it (M or S). trap_m / trap_s (direct mode) or the entries of
 * trap_m_vec / trap_s_vec (vectored mode) record what happened, compare with the record and
 * either fail (gp is preserved, so the failing check number is reported) or resume:
 *   - exceptions resume at TR_RESUME (or xepc + 4); an odd TR_RESUME (M handler only)
 *     means "resume at TR_RESUME - 1 in M-mode" (macro TR_SET_RESUME_M),
 *   - interrupts resume at xepc (or TR_RESUME), with the interrupt's enable bit cleared in
 *     mie (M handler) or sie (S handler) so it cannot fire again.
 * An ecall with a7 == MAGIC_GOTO_M (macro GOTO_M) is never checked: it returns to M-mode at
 * the address in a6 (the S handler forwards it with its own ecall; so do not delegate
 * ecall-from-S while using GOTO_M from S-mode handlers).
 * When resuming M-mode after a trap taken from M-mode the M handler clears mstatus.MPRV:
 * the trap overwrote MPP, so the test's MPRV setting could not be meaningful any more.
 */
#include "priv.h"

#define SV_VEC 40   /* save-area slot holding the vectored entry number */

/* ------------------------------------------------------------------ start-up */
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  li gp, 1
  lla t0, trap_m
  csrw mtvec, t0
  lla t0, m_save
  csrw mscratch, t0
  lla sp, stack_top
  csrw mie, zero
  csrw mip, zero
  csrw medeleg, zero
  csrw mideleg, zero
  /* PMP entry 0: NAPOT over the whole address space, RWX, so that S/U may run
   * (§3.7.1: with at least one entry implemented, an S/U access matching no entry fails). */
  li t0, -1
  csrw pmpaddr0, t0
  li t0, PMP_A_NAPOT | PMP_R | PMP_W | PMP_X
  csrw pmpcfg0, t0
  /* S-mode trap vector, scratch, bare translation. */
  lla t0, trap_s
  csrw stvec, t0
  lla t0, s_save
  csrw sscratch, t0
  csrw satp, zero
  sfence.vma
  /* mstatus: everything 0 except FS = Initial so FP instructions are legal. */
  li t0, MSTATUS_FS_INITIAL
  csrw mstatus, t0
  csrw fcsr, zero
  /* Clean trap record. */
  lla t0, trap_rec
  addi t1, t0, TR_SIZE
1:
  sd zero, 0(t0)
  addi t0, t0, 8
  bltu t0, t1, 1b
  li gp, 2
  j main

/* ------------------------------------------------------------------ pass / fail */
  .section .text.env, "ax", @progbits
  .globl pass
pass:
  fence
  li t0, 1
  lla t1, tohost
  sd t0, 0(t1)
1:
  j 1b

  .globl fail
fail:
  fence
  bnez gp, 1f
  li gp, 255
1:
  slli t0, gp, 1
  ori t0, t0, 1
  lla t1, tohost
  sd t0, 0(t1)
2:
  j 2b

/* ------------------------------------------------------------------ M-mode handler */
  .balign 256
  .globl trap_m
trap_m:
  csrrw sp, mscratch, sp
  sd t0, 0(sp)
  li t0, -1
trap_m_common:
  sd t0, SV_VEC(sp)
  sd t1, 8(sp)
  sd t2, 16(sp)
  sd t3, 24(sp)
  sd t4, 32(sp)
  csrr t0, mcause
  /* GOTO_M service: ecall (cause 8..11) with a7 == MAGIC_GOTO_M. */
  bltz t0, 1f
  addi t1, t0, -CAUSE_ECALL_U
  li t2, 3
  bgtu t1, t2, 1f
  li t1, MAGIC_GOTO_M
  bne a7, t1, 1f
  csrw mepc, a6
  li t1, MSTATUS_MPP
  csrs mstatus, t1
  li t1, MSTATUS_MPIE
  csrc mstatus, t1
  j m_return
1:
  lla t1, trap_rec
  ld t2, TR_EXPECT(t1)
  beqz t2, m_fail
  addi t2, t2, -1
  sd t2, TR_EXPECT(t1)
  ld t2, TR_COUNT(t1)
  addi t3, t2, 1
  sd t3, TR_COUNT(t1)
  andi t2, t2, 15
  slli t2, t2, 3
  add t2, t2, t1
  sd t0, TR_LOG(t2)
  sd t0, TR_GCAUSE(t1)
  csrr t2, mtval
  sd t2, TR_GTVAL(t1)
  csrr t2, mepc
  sd t2, TR_GEPC(t1)
  csrr t2, mstatus
  sd t2, TR_GSTATUS(t1)
  srli t2, t2, 11
  andi t2, t2, 3
  sd t2, TR_GMODE(t1)
  li t2, PRV_M
  sd t2, TR_GBY(t1)
  ld t2, SV_VEC(sp)
  sd t2, TR_GVEC(t1)
  /* handler */
  ld t2, TR_TARGET(t1)
  li t3, PRV_M
  beq t2, t3, 2f
  li t3, PRV_ANY
  bne t2, t3, m_fail
2:/* cause */
  ld t2, TR_CAUSE(t1)
  li t3, CAUSE_ANY
  beq t2, t3, 3f
  bne t2, t0, m_fail
3:/* previous privilege */
  ld t2, TR_MODE(t1)
  li t3, PRV_ANY
  beq t2, t3, 4f
  ld t3, TR_GMODE(t1)
  bne t2, t3, m_fail
4:/* epc */
  ld t2, TR_EPC(t1)
  beqz t2, 5f
  csrr t3, mepc
  bne t2, t3, m_fail
5:/* tval */
  ld t2, TR_TVK(t1)
  beqz t2, 6f
  csrr t3, mtval
  ld t4, TR_TVAL(t1)
  beq t3, t4, 6f
  li t4, TVK_ZERO_OR
  bne t2, t4, m_fail
  bnez t3, m_fail
6:/* resume */
  bgez t0, 7f
  slli t2, t0, 1
  srli t2, t2, 1
  li t3, 1
  sll t3, t3, t2
  csrc mie, t3
  ld t2, TR_RESUME(t1)
  beqz t2, 9f
  csrw mepc, t2
  j 9f
7:
  ld t2, TR_RESUME(t1)
  bnez t2, 8f
  csrr t2, mepc
  addi t2, t2, 4
8:
  andi t3, t2, 1          /* odd TR_RESUME: resume at (TR_RESUME - 1) in M-mode */
  beqz t3, 10f
  xor t2, t2, t3
  li t3, MSTATUS_MPP
  csrs mstatus, t3
10:
  csrw mepc, t2
9:/* back to M-mode: MPP was overwritten by this trap, so drop MPRV */
  csrr t2, mstatus
  srli t2, t2, 11
  andi t2, t2, 3
  li t3, PRV_M
  bne t2, t3, m_return
  li t2, MSTATUS_MPRV
  csrc mstatus, t2
m_return:
  ld t1, 8(sp)
  ld t2, 16(sp)
  ld t3, 24(sp)
  ld t4, 32(sp)
  ld t0, 0(sp)
  csrrw sp, mscratch, sp
  mret
m_fail:
  j fail

/* ------------------------------------------------------------------ S-mode handler */
  .balign 256
  .globl trap_s
trap_s:
  csrrw sp, sscratch, sp
  sd t0, 0(sp)
  li t0, -1
trap_s_common:
  sd t0, SV_VEC(sp)
  sd t1, 8(sp)
  sd t2, 16(sp)
  sd t3, 24(sp)
  sd t4, 32(sp)
  csrr t0, scause
  /* GOTO_M forwarding: re-issue the ecall from S-mode. */
  bltz t0, 1f
  addi t1, t0, -CAUSE_ECALL_U
  li t2, 3
  bgtu t1, t2, 1f
  li t1, MAGIC_GOTO_M
  bne a7, t1, 1f
  ld t1, 8(sp)
  ld t2, 16(sp)
  ld t3, 24(sp)
  ld t4, 32(sp)
  ld t0, 0(sp)
  csrrw sp, sscratch, sp
  ecall
  j fail
1:
  lla t1, trap_rec
  ld t2, TR_EXPECT(t1)
  beqz t2, s_fail
  addi t2, t2, -1
  sd t2, TR_EXPECT(t1)
  ld t2, TR_COUNT(t1)
  addi t3, t2, 1
  sd t3, TR_COUNT(t1)
  andi t2, t2, 15
  slli t2, t2, 3
  add t2, t2, t1
  sd t0, TR_LOG(t2)
  sd t0, TR_GCAUSE(t1)
  csrr t2, stval
  sd t2, TR_GTVAL(t1)
  csrr t2, sepc
  sd t2, TR_GEPC(t1)
  csrr t2, sstatus
  sd t2, TR_GSTATUS(t1)
  srli t2, t2, 8
  andi t2, t2, 1
  sd t2, TR_GMODE(t1)
  li t2, PRV_S
  sd t2, TR_GBY(t1)
  ld t2, SV_VEC(sp)
  sd t2, TR_GVEC(t1)
  ld t2, TR_TARGET(t1)
  li t3, PRV_S
  beq t2, t3, 2f
  li t3, PRV_ANY
  bne t2, t3, s_fail
2:
  ld t2, TR_CAUSE(t1)
  li t3, CAUSE_ANY
  beq t2, t3, 3f
  bne t2, t0, s_fail
3:
  ld t2, TR_MODE(t1)
  li t3, PRV_ANY
  beq t2, t3, 4f
  ld t3, TR_GMODE(t1)
  bne t2, t3, s_fail
4:
  ld t2, TR_EPC(t1)
  beqz t2, 5f
  csrr t3, sepc
  bne t2, t3, s_fail
5:
  ld t2, TR_TVK(t1)
  beqz t2, 6f
  csrr t3, stval
  ld t4, TR_TVAL(t1)
  beq t3, t4, 6f
  li t4, TVK_ZERO_OR
  bne t2, t4, s_fail
  bnez t3, s_fail
6:
  bgez t0, 7f
  slli t2, t0, 1
  srli t2, t2, 1
  li t3, 1
  sll t3, t3, t2
  csrc sie, t3
  ld t2, TR_RESUME(t1)
  beqz t2, s_return
  csrw sepc, t2
  j s_return
7:
  ld t2, TR_RESUME(t1)
  bnez t2, 8f
  csrr t2, sepc
  addi t2, t2, 4
8:
  csrw sepc, t2
s_return:
  ld t1, 8(sp)
  ld t2, 16(sp)
  ld t3, 24(sp)
  ld t4, 32(sp)
  ld t0, 0(sp)
  csrrw sp, sscratch, sp
  sret
s_fail:
  j fail

/* ------------------------------------------------------------------ vectored tables */
/*
 * mtvec/stvec = trap_x_vec | 1 (§3.1.7): exceptions enter at BASE, interrupt n at BASE + 4n.
 * Each 4-byte slot jumps to a stub recording the slot number in TR_GVEC.
 */
.macro VEC_SLOTS pfx
  .option push
  .option norvc
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  j \pfx\()_stub\n
  .endr
  .option pop
.endm

.macro VEC_STUBS pfx, scratch, common
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
\pfx\()_stub\n:
  csrrw sp, \scratch, sp
  sd t0, 0(sp)
  li t0, \n
  j \common
  .endr
.endm

  .balign 256
  .globl trap_m_vec
trap_m_vec:
  VEC_SLOTS mvec
  VEC_STUBS mvec, mscratch, trap_m_common

  .balign 256
  .globl trap_s_vec
trap_s_vec:
  VEC_SLOTS svec
  VEC_STUBS svec, sscratch, trap_s_common

/* ------------------------------------------------------------------ paging helpers */
/* vm_init(a0 = satp mode): returns a0 = root table PA (zeroed). */
  .globl vm_init
vm_init:
  lla t0, vm_state
  sd a0, 0(t0)
  lla t1, pt_pool_start
  sd t1, 8(t0)
  li t2, PAGE
  add t2, t2, t1
  sd t2, 16(t0)
1:
  sd zero, 0(t1)
  addi t1, t1, 8
  bltu t1, t2, 1b
  ld a0, 8(t0)
  ret

/* vm_map(a0 = va, a1 = pa, a2 = flags (any PTE bits, incl. reserved ones), a3 = level) */
  .globl vm_map
vm_map:
  lla t0, vm_state
  ld t1, 0(t0)
  li t2, 2
  li t3, SATP_MODE_SV48
  bne t1, t3, 1f
  li t2, 3
1:
  ld t1, 8(t0)
2:/* t1 = table, t2 = level */
  li t3, 9
  mul t3, t3, t2
  addi t3, t3, 12
  srl t4, a0, t3
  andi t4, t4, 511
  slli t4, t4, 3
  add t4, t4, t1
  beq t2, a3, 5f
  ld t5, 0(t4)
  andi t6, t5, PTE_V
  bnez t6, 4f
  /* allocate a zeroed table from the pool */
  ld t5, 16(t0)
  lla t6, pt_pool_end
  bgeu t5, t6, fail
  li t6, PAGE
  add t6, t6, t5
  sd t6, 16(t0)
  mv a4, t5
3:
  sd zero, 0(a4)
  addi a4, a4, 8
  bltu a4, t6, 3b
  srli t6, t5, 12
  slli t6, t6, 10
  ori t6, t6, PTE_V
  sd t6, 0(t4)
  mv t1, t5
  addi t2, t2, -1
  j 2b
4:
  srli t5, t5, 10
  slli t5, t5, 12
  mv t1, t5
  addi t2, t2, -1
  j 2b
5:
  srli t5, a1, 12
  slli t5, t5, 10
  or t5, t5, a2
  sd t5, 0(t4)
  mv a0, t4
  ret

/* vm_map_identity(a0 = extra PTE flags): VA 0x80000000 -> PA 0x80000000, 1 GiB, RWXAD */
  .globl vm_map_identity
vm_map_identity:
  li a2, PTE_LEAF_RWX
  or a2, a2, a0
  li a0, RAM_BASE
  li a1, RAM_BASE
  li a3, LVL_1G
  j vm_map

  .globl vm_enable
vm_enable:
  lla t0, vm_state
  ld t1, 0(t0)
  slli t1, t1, SATP_MODE_SHIFT
  ld t2, 8(t0)
  srli t2, t2, 12
  or t1, t1, t2
  csrw satp, t1
  sfence.vma
  ret

  .globl vm_disable
vm_disable:
  csrw satp, zero
  sfence.vma
  ret

/* ------------------------------------------------------------------ HTIF */
  .section .tohost, "aw", @progbits
  .balign 64
  .globl tohost
tohost:
  .dword 0
  .size tohost, 8
  .balign 64
  .globl fromhost
fromhost:
  .dword 0
  .size fromhost, 8

/* ------------------------------------------------------------------ data */
  .data
  .balign 64
  .globl trap_rec
trap_rec:
  .space TR_SIZE
  .globl vm_state
vm_state:               /* mode, root, next free pool page */
  .dword 0, 0, 0
  .balign 64
  .globl m_save
m_save:
  .space 256
  .globl s_save
s_save:
  .space 256

  .bss
  .balign 16
stack:
  .space 4096
  .globl stack_top
stack_top:
