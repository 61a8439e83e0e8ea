/*
 * priv.h — macros and constants for hv's privileged-architecture conformance programs.
 *
 * Reference: The RISC-V Instruction Set Manual, Volume II: Privileged Architecture,
 * version 1.12 (20211203). Section numbers in comments ("§3.1.6") refer to it.
 *
 * Conventions (see also crt.S):
 *  - A program provides `main` (entered in M-mode, after crt.S set up trap vectors,
 *    stacks and a PMP entry granting S/U access to everything) and ends with PASS.
 *  - gp (x3) holds the current check number (TEST n). On the first failed check the
 *    program writes (gp << 1) | 1 to `tohost`; PASS writes 1. Check numbers are
 *    1..255 so that they survive as a process exit status.
 *  - Macros clobber t5 and t6 only (TRAP_* macros also need the operands of the
 *    trapping instruction to avoid t5/t6). Tests keep their values in t0-t4, a*, s*.
 *  - Code always runs at VA == PA (identity mapped when paging is on), so `lla`
 *    addresses are valid in every mode; only data is reached through other VAs.
 *  - mscratch/sscratch hold the handlers' save-area pointers; a test that writes them
 *    must restore them (MSCRATCH_RESTORE / SSCRATCH_RESTORE) before the next trap.
 */
#ifndef HV_PRIV_H
#define HV_PRIV_H

/* ---- privilege levels ---- */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3
#define PRV_ANY (-1)

/* ---- mstatus / sstatus (§3.1.6, §4.1.1) ---- */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_UBE   (1 << 6)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_VS    (3 << 9)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_MPP_M (3 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_FS_INITIAL (1 << 13)
#define MSTATUS_FS_CLEAN   (2 << 13)
#define MSTATUS_FS_DIRTY   (3 << 13)
#define MSTATUS_XS    (3 << 15)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)
#define MSTATUS_UXL   (3 << 32)
#define MSTATUS_SXL   (3 << 34)
#define MSTATUS_SBE   (1 << 36)
#define MSTATUS_MBE   (1 << 37)
#define MSTATUS_SD    (1 << 63)
/* Bits of mstatus visible through sstatus (§4.1.1, figure 4.2). */
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_VS | \
                      MSTATUS_FS | MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)

/* ---- interrupts (§3.1.9) ---- */
#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define IRQ_MEI 11
#define MIP_SSIP (1 << IRQ_SSI)
#define MIP_MSIP (1 << IRQ_MSI)
#define MIP_STIP (1 << IRQ_STI)
#define MIP_MTIP (1 << IRQ_MTI)
#define MIP_SEIP (1 << IRQ_SEI)
#define MIP_MEIP (1 << IRQ_MEI)
#define S_INTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define CAUSE_INT (1 << 63)
#define INT(n) (CAUSE_INT | (n))

/* ---- exception codes (§3.1.15, table 3.6) ---- */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL_INSN     2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_ECALL_S          9
#define CAUSE_ECALL_M          11
#define CAUSE_FETCH_PAGE       12
#define CAUSE_LOAD_PAGE        13
#define CAUSE_STORE_PAGE       15
#define CAUSE_ANY              (-1)

/* ---- page tables (§4.3.1, §4.4) ---- */
#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)
#define PTE_G (1 << 5)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)
#define PTE_LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_MODE_SHIFT 60
#define LVL_4K 0
#define LVL_2M 1
#define LVL_1G 2
#define LVL_512G 3

/* ---- PMP (§3.7) ---- */
#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_A_OFF   0x00
#define PMP_A_TOR   0x08
#define PMP_A_NA4   0x10
#define PMP_A_NAPOT 0x18
#define PMP_L 0x80

/* ---- counters ---- */
#define COUNTEREN_CY 1
#define COUNTEREN_TM 2
#define COUNTEREN_IR 4

/* ---- memory layout ---- */
#define RAM_BASE 0x80000000
#define PRIV_FREE_2M 0x80200000 /* 2 MiB-aligned RAM not used by the image (4 MiB long) */
#define PAGE 4096

/* ---- trap record (crt.S `trap_rec`), byte offsets ---- */
#define TR_EXPECT   0   /* number of traps still expected (0: any trap is a failure) */
#define TR_CAUSE    8   /* expected xcause, CAUSE_ANY to accept any */
#define TR_TVAL     16  /* expected xtval (see TR_TVK) */
#define TR_TVK      24  /* TVK_ANY, TVK_EXACT, TVK_ZERO_OR */
#define TR_MODE     32  /* expected privilege the trap came from (MPP/SPP), PRV_ANY */
#define TR_TARGET   40  /* handler that must take it: PRV_M or PRV_S, PRV_ANY */
#define TR_EPC      48  /* expected xepc, 0 = unchecked */
#define TR_RESUME   56  /* where to resume; 0 = xepc (interrupts) / xepc+4 (exceptions) */
#define TR_COUNT    64  /* traps taken so far (never reset by crt) */
#define TR_GCAUSE   72  /* last trap: xcause */
#define TR_GTVAL    80  /*            xtval */
#define TR_GEPC     88  /*            xepc */
#define TR_GMODE    96  /*            privilege it came from */
#define TR_GBY      104 /*            handler that took it (PRV_M/PRV_S) */
#define TR_GSTATUS  112 /*            mstatus (or sstatus) on handler entry */
#define TR_GVEC     120 /*            vectored entry used (-1: direct entry) */
#define TR_LOG      128 /* xcause of the last 16 traps, indexed by TR_COUNT % 16 */
#define TR_SIZE     256
#define TVK_ANY     0
#define TVK_EXACT   1
#define TVK_ZERO_OR 2

#define MAGIC_GOTO_M 0x4d4d4d4d /* a7 value of the ecall used by GOTO_M */

#ifdef __ASSEMBLER__

/* ---------------------------------------------------------------- basics */
.macro TEST n
  li gp, \n
.endm

.macro PASS
  j pass
.endm

.macro FAIL
  j fail
.endm

/* Branch to fail unless ra == rb. Far-safe (fail may be > 4 KiB away). */
.macro CHECK_EQ ra, rb
  beq \ra, \rb, .Lok\@
  j fail
.Lok\@:
.endm

.macro CHECK_NE ra, rb
  bne \ra, \rb, .Lok\@
  j fail
.Lok\@:
.endm

/* reg == immediate (uses t6) */
.macro CHECK_EQI reg, imm
  li t6, \imm
  CHECK_EQ \reg, t6
.endm

.macro CHECK_NEI reg, imm
  li t6, \imm
  CHECK_NE \reg, t6
.endm

/* (reg & mask) == val (uses t6) */
.macro CHECK_MASKED reg, mask, val
  li t6, \mask
  and t6, t6, \reg
  li t5, \val
  CHECK_EQ t6, t5
.endm

/* every bit of mask set / clear in reg */
.macro CHECK_SET reg, mask
  CHECK_MASKED \reg, \mask, \mask
.endm
.macro CHECK_CLR reg, mask
  CHECK_MASKED \reg, \mask, 0
.endm

/* unsigned ra < rb */
.macro CHECK_LTU ra, rb
  bltu \ra, \rb, .Lok\@
  j fail
.Lok\@:
.endm

/* CSR == immediate */
.macro CHECK_CSR csr, imm
  csrr t5, \csr
  CHECK_EQI t5, \imm
.endm

/* 64-bit memory word at symbol == immediate */
.macro CHECK_MEM sym, imm
  lla t5, \sym
  ld t5, 0(t5)
  CHECK_EQI t5, \imm
.endm

/* Load a trap-record field into reg. */
.macro TR_LD reg, off
  lla \reg, trap_rec
  ld \reg, \off(\reg)
.endm

.macro TR_SD_IMM off, imm
  lla t5, trap_rec
  li t6, \imm
  sd t6, \off(t5)
.endm

/* Check a trap-record field. */
.macro CHECK_TR off, imm
  TR_LD t5, \off
  CHECK_EQI t5, \imm
.endm

/* ---------------------------------------------------------------- traps */

/*
 * Arm the trap record for `count` traps. cause: full xcause (INT(n) for interrupts) or
 * CAUSE_ANY; from: privilege the trap must come from; to: PRV_M/PRV_S handler; tvk/tval: how
 * to check xtval. epc/resume are cleared (set them with TR_SET_LABEL).
 */
.macro ARM count, cause, from, to, tvk, tval
  lla t5, trap_rec
  li t6, \cause
  sd t6, TR_CAUSE(t5)
  li t6, \tval
  sd t6, TR_TVAL(t5)
  li t6, \tvk
  sd t6, TR_TVK(t5)
  li t6, \from
  sd t6, TR_MODE(t5)
  li t6, \to
  sd t6, TR_TARGET(t5)
  sd zero, TR_EPC(t5)
  sd zero, TR_RESUME(t5)
  li t6, \count
  sd t6, TR_EXPECT(t5)
.endm

/* Disarm: fail if an armed trap did not happen, then clear the record. */
.macro CHECK_ALL_TAKEN
  TR_LD t5, TR_EXPECT
  CHECK_EQI t5, 0
.endm

.macro DISARM
  lla t5, trap_rec
  sd zero, TR_EXPECT(t5)
.endm

/* Store the address of a label into a trap-record field. */
.macro TR_SET_LABEL off, label
  lla t6, \label
  lla t5, trap_rec
  sd t6, \off(t5)
.endm

/* Exception handled by the M handler: resume at `label` in M-mode (whatever MPP was). */
.macro TR_SET_RESUME_M label
  lla t6, \label + 1
  lla t5, trap_rec
  sd t6, TR_RESUME(t5)
.endm

/* Store a register into a trap-record field. */
.macro TR_SET_REG off, reg
  lla t5, trap_rec
  sd \reg, \off(t5)
.endm

/*
 * Execute `insn` (assembled without compression, 4-byte aligned) expecting exactly one
 * synchronous trap with the given cause, from privilege `from`, handled at privilege `to`;
 * epc must be the instruction; execution resumes after it. The instruction must not use
 * t5/t6. tval is checked against the immediate `tval` (tvk = TVK_EXACT / TVK_ZERO_OR) or not
 * at all (TVK_ANY).
 */
.macro TRAP cause, from, to, tvk, tval, insn:vararg
  ARM 1, \cause, \from, \to, \tvk, \tval
  TR_SET_LABEL TR_EPC, .Lins\@
  TR_SET_LABEL TR_RESUME, .Lres\@
  .balign 4
  .option push
  .option norvc
.Lins\@:
  \insn
  .option pop
  j fail                 /* it did not trap */
.Lres\@:
  CHECK_ALL_TAKEN
.endm

/* Same, with the expected tval taken from a register (must not be t5/t6). */
.macro TRAP_R cause, from, to, tvk, treg, insn:vararg
  ARM 1, \cause, \from, \to, \tvk, 0
  TR_SET_REG TR_TVAL, \treg
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
.endm

/* Same, with tval == the instruction's own address (tvk EXACT or ZERO_OR), e.g. EBREAK. */
.macro TRAP_PC cause, from, to, tvk, insn:vararg
  ARM 1, \cause, \from, \to, \tvk, 0
  TR_SET_LABEL TR_TVAL, .Lins\@
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
.endm

/*
 * Illegal-instruction trap whose xtval must be the instruction bits (§3.1.16: "the
 * faulting instruction"). The bits are read back from the code with two halfword loads.
 */
.macro TRAP_ILL from, to, insn:vararg
  ARM 1, CAUSE_ILLEGAL_INSN, \from, \to, TVK_EXACT, 0
  lla t5, .Lins\@
  lhu t6, 2(t5)
  slli t6, t6, 16
  lhu t5, 0(t5)
  or t6, t6, t5
  TR_SET_REG TR_TVAL, t6
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
.endm

/* Execute insn expecting no trap at all (any trap fails through the handler). */
.macro NOTRAP insn:vararg
  DISARM
  \insn
.endm

/*
 * Execute `insn` (typically a CSR write or xRET-free instruction) which makes interrupt
 * `cause` (INT(n)) pending and enabled; it must be taken before the next instruction (§3.1.9:
 * the conditions are evaluated immediately after an explicit CSR write), so epc is the
 * following instruction, where execution resumes. The handler disables the interrupt in
 * mie/sie.
 */
.macro TRAP_INT cause, from, to, insn:vararg
  ARM 1, \cause, \from, \to, TVK_ANY, 0
  TR_SET_LABEL TR_EPC, .Lres\@
  .option push
  .option norvc
  \insn
.Lres\@:
  .option pop
  CHECK_ALL_TAKEN
.endm

/* Check xcause of trap number (base + k) in the trap log; base = TR_COUNT read earlier. */
.macro CHECK_LOG base, k, cause
  addi t5, \base, \k
  andi t5, t5, 15
  slli t5, t5, 3
  lla t6, trap_rec
  add t5, t5, t6
  ld t5, TR_LOG(t5)
  CHECK_EQI t5, \cause
.endm

/* ---------------------------------------------------------------- mode changes */

/* From M: mret into privilege `prv` at `label` (MPP and mepc are set; MIE <- MPIE). */
.macro MRET_TO prv, label
  li t6, MSTATUS_MPP
  csrc mstatus, t6
  li t6, (\prv) << 11
  csrs mstatus, t6
  lla t6, \label
  csrw mepc, t6
  mret
.endm

/* From S (or M): sret into privilege `prv` (U or S) at `label`. */
.macro SRET_TO prv, label
  li t6, MSTATUS_SPP
  csrc sstatus, t6
  .if \prv
  csrs sstatus, t6
  .endif
  lla t6, \label
  csrw sepc, t6
  sret
.endm

/* From M: continue at the next instruction in privilege `prv` (via mret). */
.macro GOTO_PRV prv
  MRET_TO \prv, .Lnext\@
.Lnext\@:
.endm

.macro GOTO_S
  GOTO_PRV PRV_S
.endm

.macro GOTO_U
  GOTO_PRV PRV_U
.endm

/* From S: continue at the next instruction in privilege `prv` (U or S) via sret. */
.macro SGOTO_PRV prv
  SRET_TO \prv, .Lnext\@
.Lnext\@:
.endm

/*
 * From S or U: continue at the next instruction in M-mode (ecall with a7 = MAGIC_GOTO_M,
 * a6 = resume address; both handlers forward it). Clobbers a6, a7. Leaves mstatus.MIE = 0.
 */
.macro GOTO_M
  lla a6, .Lnext\@
  li a7, MAGIC_GOTO_M
  ecall
  j fail
.Lnext\@:
  li a7, 0
.endm

.macro MSCRATCH_RESTORE
  lla t6, m_save
  csrw mscratch, t6
.endm

.macro SSCRATCH_RESTORE
  lla t6, s_save
  csrw sscratch, t6
.endm

/* ---------------------------------------------------------------- PMP helpers */

/* reg = NAPOT pmpaddr value for [sym, sym + size), size a power of two >= 8, sym aligned */
.macro PMP_NAPOT reg, sym, size
  lla \reg, \sym
  srli \reg, \reg, 2
  li t6, ((\size) >> 3) - 1
  or \reg, \reg, t6
.endm

/* Same with a constant base. */
.macro PMP_NAPOT_C reg, base, size
  li \reg, ((\base) >> 2) | (((\size) >> 3) - 1)
.endm

/* reg = TOR / NA4 pmpaddr value for address sym (>> 2) */
.macro PMP_ADDR reg, sym
  lla \reg, \sym
  srli \reg, \reg, 2
.endm

/* Clear every PMP entry (unlocked ones): cfg first, then the addresses. */
.macro PMP_CLEAR_ALL
  csrw pmpcfg0, zero
  csrw pmpcfg2, zero
.endm

/* ---------------------------------------------------------------- paging helpers */

/*
 * crt.S routines (call from M-mode; they follow the C ABI: clobber t0-t6, a0-a7, ra):
 *   vm_init(a0 = SATP_MODE_SV39 / SV48)  : empty root table; returns a0 = root PA
 *   vm_map(a0 = va, a1 = pa, a2 = pte flags, a3 = level) : installs a leaf PTE at `level`
 *        (LVL_4K..), creating intermediate tables; returns a0 = address of the PTE
 *   vm_map_identity(a0 = extra flags)    : 1 GiB leaf VA 0x80000000 -> PA 0x80000000, RWXAD|flags
 *   vm_enable()                          : satp = mode|root, sfence.vma
 *   vm_disable()                         : satp = 0, sfence.vma
 */
.macro MAP va, pa, flags, level
  li a0, \va
  li a1, \pa
  li a2, \flags
  li a3, \level
  call vm_map
.endm

/* Same with a link-time symbol (+ offset) as the physical address. */
.macro MAPS va, sym, flags, level
  li a0, \va
  lla a1, \sym
  li a2, \flags
  li a3, \level
  call vm_map
.endm

/* Physical address of scratch page n (0..15) of the image's test_pages area. */
#define TPAGE(n) (test_pages + (n) * PAGE)

/*
 * Jump (jalr ra) to the address in `vareg` expecting a fetch exception there: xepc and xtval
 * must both be that address; execution resumes after the jalr.
 */
.macro TRAP_JUMP cause, from, to, vareg
  ARM 1, \cause, \from, \to, TVK_EXACT, 0
  TR_SET_REG TR_TVAL, \vareg
  TR_SET_REG TR_EPC, \vareg
  TR_SET_LABEL TR_RESUME, .Lres\@
  jalr ra, 0(\vareg)
  j fail
.Lres\@:
  CHECK_ALL_TAKEN
.endm

/*
 * Execute `insn` which may either complete or raise exception `cause` (both allowed by the
 * spec in some situations); `flagreg` is set to 1 if it trapped, else 0.
 */
.macro MAYBE_TRAP flagreg, cause, from, to, tvk, treg, insn:vararg
  ARM 1, \cause, \from, \to, \tvk, 0
  TR_SET_REG TR_TVAL, \treg
  TR_SET_LABEL TR_EPC, .Lins\@
  TR_SET_LABEL TR_RESUME, .Lres\@
  .balign 4
  .option push
  .option norvc
.Lins\@:
  \insn
  .option pop
.Lres\@:
  TR_LD \flagreg, TR_EXPECT
  xori \flagreg, \flagreg, 1
  DISARM
.endm

#endif /* __ASSEMBLER__ */
#endif /* HV_PRIV_H */
