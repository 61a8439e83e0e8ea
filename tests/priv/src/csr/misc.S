/*
 * csr/misc — read/write M and S CSRs.
 * Spec 1.12: §3.1.7 mtvec (MODE WARL: 0 direct, 1 vectored, >= 2 reserved), §3.1.13
 * mscratch, §3.1.15 mcause (WLRL, must hold supported codes), §3.1.16 mtval, §3.1.18 menvcfg,
 * §4.1.2 stvec, §4.1.6 sscratch, §4.1.8 scause, §4.1.9 stval, §4.1.10 senvcfg (exists in
 * S-mode), §4.1.11 satp (readable/writable in M and S with TVM = 0), §3.1.6.6 (SD is
 * read-only: a summary of FS/VS/XS).
 */
#include "priv.h"

  .text
  .globl main
main:
  /* mscratch / sscratch hold any 64-bit value */
  TEST 3
  li a0, 0xa5a5c3c30f0ff0f0
  csrrw a1, mscratch, a0
  csrr a2, mscratch
  csrw mscratch, a1            /* restore the handler's pointer */
  CHECK_EQ a0, a2
  TEST 4
  not a0, a0
  csrrw a1, sscratch, a0
  csrr a2, sscratch
  csrw sscratch, a1
  CHECK_EQ a0, a2
  /* mepc / sepc hold 2-byte aligned addresses */
  TEST 5
  li a0, 0x0000003f12345676
  csrw mepc, a0
  csrr a1, mepc
  CHECK_EQ a0, a1
  csrw sepc, a0
  csrr a1, sepc
  CHECK_EQ a0, a1
  /* mcause / scause hold supported exception and interrupt codes */
  TEST 6
  li a0, CAUSE_STORE_PAGE
  csrw mcause, a0
  csrr a1, mcause
  CHECK_EQ a0, a1
  li a0, INT(IRQ_STI)
  csrw scause, a0
  csrr a1, scause
  CHECK_EQ a0, a1
  li a0, INT(IRQ_MEI)
  csrw mcause, a0
  csrr a1, mcause
  CHECK_EQ a0, a1
  /* mtval / stval hold any valid address */
  TEST 7
  li a0, 0xffffffffc0001234
  csrw mtval, a0
  csrr a1, mtval
  CHECK_EQ a0, a1
  csrw stval, a0
  csrr a1, stval
  CHECK_EQ a0, a1
  /* mtvec: direct and vectored modes are supported; reserved modes read back as legal */
  TEST 8
  csrr s0, mtvec
  lla a0, trap_m_vec
  ori a0, a0, 1
  csrw mtvec, a0
  csrr a1, mtvec
  csrw mtvec, s0
  CHECK_EQ a0, a1
  TEST 9
  lla a0, trap_m_vec
  ori a0, a0, 2
  csrw mtvec, a0
  csrr a1, mtvec
  csrw mtvec, s0
  andi a1, a1, 3
  li a2, 2
  CHECK_LTU a1, a2
  TEST 10
  lla a0, trap_m_vec
  ori a0, a0, 3
  csrw mtvec, a0
  csrr a1, mtvec
  csrw mtvec, s0
  andi a1, a1, 3
  li a2, 2
  CHECK_LTU a1, a2
  /* mtvec still works after those writes: an illegal instruction reaches trap_m */
  TEST 11
  TRAP_ILL PRV_M, PRV_M, csrw mhartid, zero
  /* stvec: same */
  TEST 12
  csrr s0, stvec
  lla a0, trap_s_vec
  ori a0, a0, 1
  csrw stvec, a0
  csrr a1, stvec
  CHECK_EQ a0, a1
  ori a0, a0, 3
  csrw stvec, a0
  csrr a1, stvec
  csrw stvec, s0
  andi a1, a1, 3
  li a2, 2
  CHECK_LTU a1, a2
  /* menvcfg exists (M), senvcfg exists (M and S) */
  TEST 13
  csrr a0, menvcfg
  csrw menvcfg, a0
  csrr a0, senvcfg
  csrw senvcfg, a0
  /* FIOM (bit 0) of senvcfg is writable when S-mode has paging (§4.1.10) */
  TEST 14
  csrsi senvcfg, 1
  csrr a0, senvcfg
  CHECK_SET a0, 1
  csrci senvcfg, 1
  csrr a0, senvcfg
  CHECK_CLR a0, 1
  /* menvcfg.FIOM likewise (§3.1.18) */
  TEST 15
  csrsi menvcfg, 1
  csrr a0, menvcfg
  CHECK_SET a0, 1
  csrci menvcfg, 1
  /* satp: Sv39 value reads back (M-mode, translation not used in M) */
  TEST 16
  li a0, (SATP_MODE_SV39 << SATP_MODE_SHIFT) | 0x80123
  csrw satp, a0
  csrr a1, satp
  li a2, (0xf << SATP_MODE_SHIFT) | 0xfffffffffff
  and a1, a1, a2
  csrw satp, zero
  CHECK_EQ a0, a1
  /* SD is read-only: cannot be set while FS/VS/XS are Off */
  TEST 17
  li a0, MSTATUS_FS | MSTATUS_VS
  csrc mstatus, a0
  li a0, MSTATUS_SD
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_CLR a1, MSTATUS_SD
  li a0, MSTATUS_FS_INITIAL
  csrs mstatus, a0
  /* TW/TVM/TSR/MPRV/MXR/SUM are writable in mstatus */
  TEST 18
  li a0, MSTATUS_TW | MSTATUS_TVM | MSTATUS_TSR | MSTATUS_MXR | MSTATUS_SUM
  csrs mstatus, a0
  csrr a1, mstatus
  csrc mstatus, a0
  CHECK_SET a1, MSTATUS_TW | MSTATUS_TVM | MSTATUS_TSR | MSTATUS_MXR | MSTATUS_SUM
  /* MPP holds M, S and U */
  TEST 19
  li a0, MSTATUS_MPP
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_MPP, MSTATUS_MPP_M
  csrc mstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_MPP, 0
  li a0, MSTATUS_MPP_S
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_MASKED a1, MSTATUS_MPP, MSTATUS_MPP_S
  /* S-mode: senvcfg and the S trap CSRs; menvcfg is M-only */
  TEST 20
  GOTO_S
  csrr a0, senvcfg
  csrw senvcfg, a0
  li a0, 0x1234
  csrw stval, a0
  csrr a1, stval
  CHECK_EQ a0, a1
  TEST 21
  TRAP_ILL PRV_S, PRV_M, csrr a0, menvcfg
  GOTO_M
  PASS
