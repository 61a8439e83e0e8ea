/*
 * traps/ebreak — EBREAK and C.EBREAK.
 * Spec 1.12 §3.3.1: EBREAK raises a breakpoint exception (cause 3) with xepc = the address
 * of the EBREAK itself. §3.1.16/§4.1.9: for a breakpoint xtval is either zero or the
 * faulting virtual address (the pc of the EBREAK); both are accepted (QEMU 7.2 writes 0).
 * §3.1.8: medeleg[3] delegates breakpoints from S/U to S.
 */
#include "priv.h"

#define C_EBREAK .2byte 0x9002

  .text
  .globl main
main:
  TEST 3
  TRAP_PC CAUSE_BREAKPOINT, PRV_M, PRV_M, TVK_ZERO_OR, ebreak
  /* compressed: epc = the 2-byte instruction; resume right after it */
  TEST 4
  TRAP_PC CAUSE_BREAKPOINT, PRV_M, PRV_M, TVK_ZERO_OR, C_EBREAK
  /* the same at a 2-byte (not 4-byte) aligned address */
  TEST 5
  ARM 1, CAUSE_BREAKPOINT, PRV_M, PRV_M, TVK_ZERO_OR, 0
  TR_SET_LABEL TR_TVAL, 2f
  TR_SET_LABEL TR_EPC, 2f
  TR_SET_LABEL TR_RESUME, 3f
  .balign 4
  .option push
  .option norvc
  .2byte 0x0001          /* c.nop */
2:
  C_EBREAK
  .option pop
  j fail
3:
  CHECK_ALL_TAKEN
  /* from S and U */
  TEST 6
  GOTO_S
  TRAP_PC CAUSE_BREAKPOINT, PRV_S, PRV_M, TVK_ZERO_OR, ebreak
  TEST 7
  SGOTO_PRV PRV_U
  TRAP_PC CAUSE_BREAKPOINT, PRV_U, PRV_M, TVK_ZERO_OR, ebreak
  TEST 8
  TRAP_PC CAUSE_BREAKPOINT, PRV_U, PRV_M, TVK_ZERO_OR, C_EBREAK
  GOTO_M
  /* delegated to S with medeleg[3] */
  TEST 9
  li a0, 1 << CAUSE_BREAKPOINT
  csrw medeleg, a0
  GOTO_U
  TRAP_PC CAUSE_BREAKPOINT, PRV_U, PRV_S, TVK_ZERO_OR, ebreak
  TEST 10
  GOTO_M
  GOTO_S
  TRAP_PC CAUSE_BREAKPOINT, PRV_S, PRV_S, TVK_ZERO_OR, C_EBREAK
  /* M-mode breakpoints are never delegated */
  TEST 11
  GOTO_M
  TRAP_PC CAUSE_BREAKPOINT, PRV_M, PRV_M, TVK_ZERO_OR, ebreak
  csrw medeleg, zero
  PASS
