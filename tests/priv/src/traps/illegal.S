/*
 * traps/illegal — illegal-instruction exceptions and their xtval.
 * Spec 1.12 §3.1.16 / §4.1.9: after an illegal-instruction trap xtval holds the faulting
 * instruction (the shortest of: the instruction, ILEN bits, XLEN bits), right-justified with
 * the upper bits cleared, so a 16-bit instruction gives a 16-bit value. hv and QEMU both
 * provide this (the spec also allows 0, which this suite does not accept).
 * Unprivileged F: reserved static rounding modes, and a dynamic rounding mode while frm holds
 * a reserved value (5-7), are illegal. C: c.addi4spn with nzuimm = 0 and c.lwsp with rd = 0
 * are reserved; 0x0000 is the defined illegal instruction.
 */
#include "priv.h"

  .text
  .globl main
main:
  /* unimp (csrrw x0, cycle, x0) */
  TEST 3
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0xc0001073, unimp
  /* reserved major opcode 0x6b */
  TEST 4
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0x1234506b, .word 0x1234506b
  /* all-ones 32-bit word */
  TEST 5
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0xffffffff, .word 0xffffffff
  /* fadd.s with reserved static rounding mode 5 */
  TEST 6
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0x003150d3, .word 0x003150d3
  /* dynamic rounding mode with frm = 5 */
  TEST 7
  csrwi frm, 5
  TRAP_ILL PRV_M, PRV_M, fadd.s f1, f2, f3, dyn
  csrwi frm, 0
  /* ...and the same instruction is fine with a valid frm */
  TEST 8
  fadd.s f1, f2, f3, dyn
  /* 16-bit: 0x0000 (tval 0), c.addi4spn nzuimm = 0 (0x0004), c.lwsp x0 (0x4002); xtval has
   * only the 16 instruction bits, not the halfword that follows */
  TEST 9
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0, .2byte 0x0000
  TEST 10
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0x0004, .2byte 0x0004
  TEST 11
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0x4002, .2byte 0x4002
  /* S and U: same values */
  TEST 12
  GOTO_S
  TRAP CAUSE_ILLEGAL_INSN, PRV_S, PRV_M, TVK_EXACT, 0xc0001073, unimp
  TEST 13
  TRAP CAUSE_ILLEGAL_INSN, PRV_S, PRV_M, TVK_EXACT, 0x0004, .2byte 0x0004
  TEST 14
  SGOTO_PRV PRV_U
  TRAP CAUSE_ILLEGAL_INSN, PRV_U, PRV_M, TVK_EXACT, 0x1234506b, .word 0x1234506b
  TEST 15
  TRAP CAUSE_ILLEGAL_INSN, PRV_U, PRV_M, TVK_EXACT, 0x4002, .2byte 0x4002
  /* delegated to S: stval gets the bits */
  TEST 16
  GOTO_M
  li a0, 1 << CAUSE_ILLEGAL_INSN
  csrw medeleg, a0
  GOTO_U
  TRAP CAUSE_ILLEGAL_INSN, PRV_U, PRV_S, TVK_EXACT, 0xc0001073, unimp
  TEST 17
  TRAP CAUSE_ILLEGAL_INSN, PRV_U, PRV_S, TVK_EXACT, 0x0004, .2byte 0x0004
  TEST 18
  GOTO_M
  GOTO_S
  TRAP CAUSE_ILLEGAL_INSN, PRV_S, PRV_S, TVK_EXACT, 0xffffffff, .word 0xffffffff
  /* not delegated from M even with medeleg[2] set */
  TEST 19
  GOTO_M
  TRAP CAUSE_ILLEGAL_INSN, PRV_M, PRV_M, TVK_EXACT, 0xc0001073, unimp
  csrw medeleg, zero
  PASS
