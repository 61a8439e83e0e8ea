/*
 * hv ISA conformance tests: common start-up, pass/fail reporting and check macros.
 *
 * Every test program is one .S file:
 *
 *     #include "test.h"
 *     TEST_BEGIN
 *       TEST_RR(1, add, 3, 1, 2)        // numbered checks, 1..254 per file
 *       ...
 *     TEST_END
 *     TEST_DATA                         // optional: test data follows (in .data)
 *     label: .dword ...
 *
 * Reporting (HTIF, as understood by QEMU's "spike" machine and by hv): the program writes
 * 1 to the 64-bit `tohost` word on success, or (testnum << 1) | 1 on the first failing
 * check, and then spins. The current check number is kept in gp (TESTNUM). QEMU spike
 * exits with status testnum, which is truncated to 8 bits by the OS: keep check numbers
 * in 1..254 (255 is reported for a failure before the first numbered check).
 *
 * Start-up (TEST_BEGIN) runs in M-mode: clears x1..x31 and f0..f31, points mtvec at a
 * handler that FAILs on any unexpected trap, turns on the FPU (mstatus.FS = Dirty) and
 * clears fcsr. Code is assembled with `.option norvc` (32-bit encodings only) unless a
 * test says `.option rvc` itself.
 *
 * Register conventions of the macros: operands in a1/a2/a3, result in a4 (or f10 for FP
 * results, a0 for integer results of FP ops), expected value in t2, fflags in t1; t0 is
 * scratch; t3 saves frm around the _DYN checks. t5/t6 (x30/x31) are clobbered by the
 * trap handler: tests must not keep live values there across an instruction that can trap.
 *
 * Expected traps: arm the handler with TRAP_EXPECT(resume_label); the next trap (any
 * cause) records mcause/mtval/mepc in hv_trap_record and resumes at resume_label.
 */
#ifndef HV_ISA_TEST_H
#define HV_ISA_TEST_H

#define TESTNUM gp

/* ---- architectural constants ---------------------------------------------------------- */

#define MSTATUS_MIE        0x00000008
#define MSTATUS_FS         0x00006000
#define MSTATUS_FS_DIRTY   0x00006000

#define CAUSE_MISALIGNED_FETCH    0
#define CAUSE_FETCH_ACCESS        1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT          3
#define CAUSE_MISALIGNED_LOAD     4
#define CAUSE_LOAD_ACCESS         5
#define CAUSE_MISALIGNED_STORE    6
#define CAUSE_STORE_ACCESS        7
#define CAUSE_USER_ECALL          8
#define CAUSE_SUPERVISOR_ECALL    9
#define CAUSE_MACHINE_ECALL       11

/* fflags bits */
#define NX 0x01   /* inexact */
#define UF 0x02   /* underflow */
#define OF 0x04   /* overflow */
#define DZ 0x08   /* divide by zero */
#define NV 0x10   /* invalid */

/* frm values (for the dynamic rounding mode) */
#define FRM_RNE 0
#define FRM_RTZ 1
#define FRM_RDN 2
#define FRM_RUP 3
#define FRM_RMM 4

/* fclass result bits */
#define FCLASS_NEG_INF       (1 << 0)
#define FCLASS_NEG_NORMAL    (1 << 1)
#define FCLASS_NEG_SUBNORMAL (1 << 2)
#define FCLASS_NEG_ZERO      (1 << 3)
#define FCLASS_POS_ZERO      (1 << 4)
#define FCLASS_POS_SUBNORMAL (1 << 5)
#define FCLASS_POS_NORMAL    (1 << 6)
#define FCLASS_POS_INF       (1 << 7)
#define FCLASS_SNAN          (1 << 8)
#define FCLASS_QNAN          (1 << 9)

/* Sign-extends a 32-bit constant to 64 bits (as RV64 W-instructions produce). */
#define SEXT32(x) ((((x) & 0xffffffff) ^ 0x80000000) - 0x80000000)
/* NaN-boxes a 32-bit float bit pattern in a 64-bit FP register image. */
#define BOX32(x)  (0xffffffff00000000 | ((x) & 0xffffffff))

/* ---- start-up, trap handler, pass/fail -------------------------------------------------- */

#define TEST_BEGIN                                                              \
        .file __FILE__; /* a fixed name (not the temp object's): reproducible ELFs */ \
        .option nopic;                                                          \
        .section .text.init, "ax", @progbits;                                   \
        .option norvc;                                                          \
        .balign 4;                                                              \
        .globl _start;                                                          \
_start:                                                                         \
        j hv_reset;                                                             \
        .balign 4;                                                              \
hv_trap_vector:                                                                 \
        /* record the trap; resume at the armed address, else fail */           \
        la t6, hv_trap_record;                                                  \
        csrr t5, mcause;  sd t5, 0(t6);                                         \
        csrr t5, mtval;   sd t5, 8(t6);                                         \
        csrr t5, mepc;    sd t5, 16(t6);                                        \
        ld t5, 24(t6);                                                          \
        beqz t5, hv_fail;                                                       \
        sd zero, 24(t6);                                                        \
        csrw mepc, t5;                                                          \
        mret;                                                                   \
hv_reset:                                                                       \
        HV_CLEAR_XREGS;                                                         \
        la t0, hv_trap_vector;                                                  \
        csrw mtvec, t0;                                                         \
        csrw mie, zero;                                                         \
        csrw mstatus, zero;                                                     \
        li t0, MSTATUS_FS_DIRTY;                                                \
        csrs mstatus, t0;                                                       \
        csrwi fcsr, 0;                                                          \
        HV_CLEAR_FREGS;                                                         \
        la t0, hv_trap_record;                                                  \
        sd zero, 0(t0); sd zero, 8(t0); sd zero, 16(t0); sd zero, 24(t0);       \
        li t0, 0;                                                               \
        li TESTNUM, 0;                                                          \
        j hv_test_main;                                                         \
        .text;                                                                  \
        .balign 4;                                                              \
hv_test_main:

#define TEST_END                                                                \
        .option norvc;                                                          \
        .balign 4;                                                              \
hv_pass:                                                                        \
        fence;                                                                  \
        li t0, 1;                                                               \
        la t1, tohost;                                                          \
        sd t0, 0(t1);                                                           \
1:      j 1b;                                                                   \
hv_fail:                                                                        \
        fence;                                                                  \
        bnez TESTNUM, 2f;                                                       \
        li TESTNUM, 255;                                                        \
2:      slli t0, TESTNUM, 1;                                                    \
        ori t0, t0, 1;                                                          \
        la t1, tohost;                                                          \
        sd t0, 0(t1);                                                           \
3:      j 3b;                                                                   \
        .pushsection .tohost, "aw", @progbits;                                  \
        .balign 64;                                                             \
        .globl tohost; .type tohost, @object; .size tohost, 8;                  \
tohost: .dword 0;                                                               \
        .balign 64;                                                             \
        .globl fromhost; .type fromhost, @object; .size fromhost, 8;            \
fromhost: .dword 0;                                                             \
        .balign 64;                                                             \
        .popsection;                                                            \
        .data;                                                                  \
        .balign 64;                                                             \
        /* mcause, mtval, mepc, resume address (0 = trap not expected) */      \
hv_trap_record: .dword 0, 0, 0, 0;                                              \
        .text

/* Test data: everything after TEST_DATA goes to .data. */
#define TEST_DATA .data; .balign 64;

#define HV_CLEAR_XREGS                                                          \
        li x1, 0;  li x2, 0;  li x3, 0;  li x4, 0;  li x5, 0;  li x6, 0;        \
        li x7, 0;  li x8, 0;  li x9, 0;  li x10, 0; li x11, 0; li x12, 0;       \
        li x13, 0; li x14, 0; li x15, 0; li x16, 0; li x17, 0; li x18, 0;       \
        li x19, 0; li x20, 0; li x21, 0; li x22, 0; li x23, 0; li x24, 0;       \
        li x25, 0; li x26, 0; li x27, 0; li x28, 0; li x29, 0; li x30, 0;       \
        li x31, 0

#define HV_CLEAR_FREGS                                                          \
        fmv.d.x f0, zero;  fmv.d.x f1, zero;  fmv.d.x f2, zero;                 \
        fmv.d.x f3, zero;  fmv.d.x f4, zero;  fmv.d.x f5, zero;                 \
        fmv.d.x f6, zero;  fmv.d.x f7, zero;  fmv.d.x f8, zero;                 \
        fmv.d.x f9, zero;  fmv.d.x f10, zero; fmv.d.x f11, zero;                \
        fmv.d.x f12, zero; fmv.d.x f13, zero; fmv.d.x f14, zero;                \
        fmv.d.x f15, zero; fmv.d.x f16, zero; fmv.d.x f17, zero;                \
        fmv.d.x f18, zero; fmv.d.x f19, zero; fmv.d.x f20, zero;                \
        fmv.d.x f21, zero; fmv.d.x f22, zero; fmv.d.x f23, zero;                \
        fmv.d.x f24, zero; fmv.d.x f25, zero; fmv.d.x f26, zero;                \
        fmv.d.x f27, zero; fmv.d.x f28, zero; fmv.d.x f29, zero;                \
        fmv.d.x f30, zero; fmv.d.x f31, zero

/* Starts check number n. */
#define TEST_CASE(n) li TESTNUM, n

/* Fails the current check unless reg == value (64-bit compare). */
#define CHECK_EQ(reg, value) li t2, value; bne reg, t2, hv_fail
/* Fails the current check unless reg1 == reg2. */
#define CHECK_REG(reg1, reg2) bne reg1, reg2, hv_fail

/* ---- expected traps ----------------------------------------------------------------- */

/* Arms the trap handler: the next trap records itself and resumes at `resume`. */
#define TRAP_EXPECT(resume)                                                     \
        la t0, resume; la t1, hv_trap_record;                                   \
        sd t0, 24(t1); li t0, -1; sd t0, 0(t1); sd t0, 8(t1); sd t0, 16(t1)

/* After an expected trap: checks mcause, mtval and mepc (epc is a label). */
#define TRAP_CHECK(cause, tval, epc)                                            \
        la t1, hv_trap_record;                                                  \
        ld t0, 0(t1); li t2, cause; bne t0, t2, hv_fail;                        \
        ld t0, 8(t1); li t2, tval; bne t0, t2, hv_fail;                         \
        ld t0, 16(t1); la t2, epc; bne t0, t2, hv_fail

/* A 16-bit encoding that must raise illegal-instruction with mtval = its bits. */
#define TEST_ILLEGAL16(n, bits)                                                 \
        TEST_CASE(n); TRAP_EXPECT(8f);                                          \
7:      .half (bits);                                                           \
        j hv_fail;                                                              \
8:      TRAP_CHECK(CAUSE_ILLEGAL_INSTRUCTION, (bits), 7b)

/* A 32-bit encoding that must raise illegal-instruction with mtval = its bits. */
#define TEST_ILLEGAL32(n, bits)                                                 \
        TEST_CASE(n); TRAP_EXPECT(8f);                                          \
7:      .word (bits);                                                           \
        j hv_fail;                                                              \
8:      TRAP_CHECK(CAUSE_ILLEGAL_INSTRUCTION, (bits), 7b)

/* ---- integer register-register / immediate ------------------------------------------ */

#define TEST_RR(n, inst, res, v1, v2)                                           \
        TEST_CASE(n); li a1, v1; li a2, v2; inst a4, a1, a2; CHECK_EQ(a4, res)

#define TEST_RR_SRC1_EQ_DEST(n, inst, res, v1, v2)                              \
        TEST_CASE(n); li a1, v1; li a2, v2; inst a1, a1, a2; CHECK_EQ(a1, res)

#define TEST_RR_SRC2_EQ_DEST(n, inst, res, v1, v2)                              \
        TEST_CASE(n); li a1, v1; li a2, v2; inst a2, a1, a2; CHECK_EQ(a2, res)

#define TEST_RR_SRC12_EQ_DEST(n, inst, res, v1)                                 \
        TEST_CASE(n); li a1, v1; inst a1, a1, a1; CHECK_EQ(a1, res)

#define TEST_RR_ZEROSRC1(n, inst, res, v2)                                      \
        TEST_CASE(n); li a2, v2; inst a4, x0, a2; CHECK_EQ(a4, res)

#define TEST_RR_ZEROSRC2(n, inst, res, v1)                                      \
        TEST_CASE(n); li a1, v1; inst a4, a1, x0; CHECK_EQ(a4, res)

/* Writing x0 must have no effect. */
#define TEST_RR_ZERODEST(n, inst, v1, v2)                                       \
        TEST_CASE(n); li a1, v1; li a2, v2; inst x0, a1, a2; mv a4, x0; CHECK_EQ(a4, 0)

#define TEST_IMM(n, inst, res, v1, imm)                                         \
        TEST_CASE(n); li a1, v1; inst a4, a1, imm; CHECK_EQ(a4, res)

#define TEST_IMM_SRC1_EQ_DEST(n, inst, res, v1, imm)                            \
        TEST_CASE(n); li a1, v1; inst a1, a1, imm; CHECK_EQ(a1, res)

#define TEST_IMM_ZEROSRC1(n, inst, res, imm)                                    \
        TEST_CASE(n); inst a4, x0, imm; CHECK_EQ(a4, res)

#define TEST_IMM_ZERODEST(n, inst, v1, imm)                                     \
        TEST_CASE(n); li a1, v1; inst x0, a1, imm; mv a4, x0; CHECK_EQ(a4, 0)

/* ---- loads / stores ----------------------------------------------------------------- */

/* Load from base+off; result must equal res. */
#define TEST_LD(n, inst, res, off, base)                                        \
        TEST_CASE(n); la a1, base; inst a4, off(a1); CHECK_EQ(a4, res)

/* Store val at base+off, load it back with ldinst; result must equal res. */
#define TEST_ST(n, ldinst, stinst, val, res, off, base)                         \
        TEST_CASE(n); la a1, base; li a2, val; stinst a2, off(a1);              \
        ldinst a4, off(a1); CHECK_EQ(a4, res)

/* ---- branches ----------------------------------------------------------------------- */

/* The branch must be taken, both forwards and backwards. */
#define TEST_BR2_TAKEN(n, inst, v1, v2)                                         \
        TEST_CASE(n); li a1, v1; li a2, v2;                                     \
        inst a1, a2, 2f; j hv_fail;                                             \
1:      j 3f;                                                                   \
2:      inst a1, a2, 1b; j hv_fail;                                             \
3:

/* The branch must fall through, both for a forward and a backward target. */
#define TEST_BR2_NOTTAKEN(n, inst, v1, v2)                                      \
        TEST_CASE(n); li a1, v1; li a2, v2;                                     \
        j 2f;                                                                   \
1:      j hv_fail;                                                              \
2:      inst a1, a2, 1b;                                                        \
        inst a1, a2, 3f; j 4f;                                                  \
3:      j hv_fail;                                                              \
4:

/* ---- floating point: single precision ------------------------------------------------ */
/*
 * The operands a, b, c are bit patterns loaded into f1, f2, f3 (NaN-boxed); the code
 * (remaining macro arguments) must leave its result in f10. The check compares the full
 * 64-bit register image with the NaN-boxed expected bits, and fflags exactly.
 */
#define FP_CHECK_S(n, flags, res, a, b, c, ...)                                 \
        TEST_CASE(n);                                                           \
        li t0, a; fmv.w.x f1, t0;                                               \
        li t0, b; fmv.w.x f2, t0;                                               \
        li t0, c; fmv.w.x f3, t0;                                               \
        fsflags x0;                                                             \
        __VA_ARGS__;                                                            \
        frflags t1;                                                             \
        fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(res));                              \
        CHECK_EQ(t1, flags)

/* Same, but the code leaves an integer result in a0. */
#define FP_CHECK_S_INT(n, flags, res, a, b, ...)                                \
        TEST_CASE(n);                                                           \
        li t0, a; fmv.w.x f1, t0;                                               \
        li t0, b; fmv.w.x f2, t0;                                               \
        fsflags x0;                                                             \
        __VA_ARGS__;                                                            \
        frflags t1;                                                             \
        CHECK_EQ(a0, res);                                                      \
        CHECK_EQ(t1, flags)

/* Integer operand in a1, FP (single) result in f10. */
#define FP_CHECK_S_FROMINT(n, flags, res, ival, ...)                            \
        TEST_CASE(n);                                                           \
        li a1, ival;                                                            \
        fsflags x0;                                                             \
        __VA_ARGS__;                                                            \
        frflags t1;                                                             \
        fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(res));                              \
        CHECK_EQ(t1, flags)

#define TEST_FP_OP1_S(n, inst, rm, flags, res, a)                               \
        FP_CHECK_S(n, flags, res, a, 0, 0, inst f10, f1, rm)
#define TEST_FP_OP2_S(n, inst, rm, flags, res, a, b)                            \
        FP_CHECK_S(n, flags, res, a, b, 0, inst f10, f1, f2, rm)
#define TEST_FP_OP3_S(n, inst, rm, flags, res, a, b, c)                         \
        FP_CHECK_S(n, flags, res, a, b, c, inst f10, f1, f2, f3, rm)
/* ops without a rounding-mode operand (fsgnj*, fmin, fmax) */
#define TEST_FP_OP2N_S(n, inst, flags, res, a, b)                               \
        FP_CHECK_S(n, flags, res, a, b, 0, inst f10, f1, f2)
/* dynamic rounding: frm is set to `frm`, the instruction uses rm=dyn */
#define TEST_FP_OP1_S_DYN(n, inst, frm, flags, res, a)                          \
        FP_CHECK_S(n, flags, res, a, 0, 0, fsrmi t3, frm; inst f10, f1, dyn; fsrm t3)
#define TEST_FP_OP2_S_DYN(n, inst, frm, flags, res, a, b)                       \
        FP_CHECK_S(n, flags, res, a, b, 0, fsrmi t3, frm; inst f10, f1, f2, dyn; fsrm t3)
#define TEST_FP_OP3_S_DYN(n, inst, frm, flags, res, a, b, c)                    \
        FP_CHECK_S(n, flags, res, a, b, c, fsrmi t3, frm; inst f10, f1, f2, f3, dyn; fsrm t3)
/* comparisons / fclass: integer result */
#define TEST_FP_CMP_S(n, inst, flags, res, a, b)                                \
        FP_CHECK_S_INT(n, flags, res, a, b, inst a0, f1, f2)
#define TEST_FP_CLASS_S(n, res, a)                                              \
        FP_CHECK_S_INT(n, 0, res, a, 0, fclass.s a0, f1)
/* float -> int conversions */
#define TEST_FP_TOINT_S(n, inst, rm, flags, res, a)                             \
        FP_CHECK_S_INT(n, flags, res, a, 0, inst a0, f1, rm)
#define TEST_FP_TOINT_S_DYN(n, inst, frm, flags, res, a)                        \
        FP_CHECK_S_INT(n, flags, res, a, 0, fsrmi t3, frm; inst a0, f1, dyn; fsrm t3)
/* int -> float conversions */
#define TEST_FP_FROMINT_S(n, inst, rm, flags, res, ival)                        \
        FP_CHECK_S_FROMINT(n, flags, res, ival, inst f10, a1, rm)
#define TEST_FP_FROMINT_S_DYN(n, inst, frm, flags, res, ival)                   \
        FP_CHECK_S_FROMINT(n, flags, res, ival, fsrmi t3, frm; inst f10, a1, dyn; fsrm t3)

/* ---- floating point: double precision ------------------------------------------------ */

#define FP_CHECK_D(n, flags, res, a, b, c, ...)                                 \
        TEST_CASE(n);                                                           \
        li t0, a; fmv.d.x f1, t0;                                               \
        li t0, b; fmv.d.x f2, t0;                                               \
        li t0, c; fmv.d.x f3, t0;                                               \
        fsflags x0;                                                             \
        __VA_ARGS__;                                                            \
        frflags t1;                                                             \
        fmv.x.d a4, f10; CHECK_EQ(a4, res);                                     \
        CHECK_EQ(t1, flags)

#define FP_CHECK_D_INT(n, flags, res, a, b, ...)                                \
        TEST_CASE(n);                                                           \
        li t0, a; fmv.d.x f1, t0;                                               \
        li t0, b; fmv.d.x f2, t0;                                               \
        fsflags x0;                                                             \
        __VA_ARGS__;                                                            \
        frflags t1;                                                             \
        CHECK_EQ(a0, res);                                                      \
        CHECK_EQ(t1, flags)

#define FP_CHECK_D_FROMINT(n, flags, res, ival, ...)                            \
        TEST_CASE(n);                                                           \
        li a1, ival;                                                            \
        fsflags x0;                                                             \
        __VA_ARGS__;                                                            \
        frflags t1;                                                             \
        fmv.x.d a4, f10; CHECK_EQ(a4, res);                                     \
        CHECK_EQ(t1, flags)

#define TEST_FP_OP1_D(n, inst, rm, flags, res, a)                               \
        FP_CHECK_D(n, flags, res, a, 0, 0, inst f10, f1, rm)
#define TEST_FP_OP2_D(n, inst, rm, flags, res, a, b)                            \
        FP_CHECK_D(n, flags, res, a, b, 0, inst f10, f1, f2, rm)
#define TEST_FP_OP3_D(n, inst, rm, flags, res, a, b, c)                         \
        FP_CHECK_D(n, flags, res, a, b, c, inst f10, f1, f2, f3, rm)
#define TEST_FP_OP2N_D(n, inst, flags, res, a, b)                               \
        FP_CHECK_D(n, flags, res, a, b, 0, inst f10, f1, f2)
#define TEST_FP_OP1_D_DYN(n, inst, frm, flags, res, a)                          \
        FP_CHECK_D(n, flags, res, a, 0, 0, fsrmi t3, frm; inst f10, f1, dyn; fsrm t3)
#define TEST_FP_OP2_D_DYN(n, inst, frm, flags, res, a, b)                       \
        FP_CHECK_D(n, flags, res, a, b, 0, fsrmi t3, frm; inst f10, f1, f2, dyn; fsrm t3)
#define TEST_FP_OP3_D_DYN(n, inst, frm, flags, res, a, b, c)                    \
        FP_CHECK_D(n, flags, res, a, b, c, fsrmi t3, frm; inst f10, f1, f2, f3, dyn; fsrm t3)
#define TEST_FP_CMP_D(n, inst, flags, res, a, b)                                \
        FP_CHECK_D_INT(n, flags, res, a, b, inst a0, f1, f2)
#define TEST_FP_CLASS_D(n, res, a)                                              \
        FP_CHECK_D_INT(n, 0, res, a, 0, fclass.d a0, f1)
#define TEST_FP_TOINT_D(n, inst, rm, flags, res, a)                             \
        FP_CHECK_D_INT(n, flags, res, a, 0, inst a0, f1, rm)
#define TEST_FP_TOINT_D_DYN(n, inst, frm, flags, res, a)                        \
        FP_CHECK_D_INT(n, flags, res, a, 0, fsrmi t3, frm; inst a0, f1, dyn; fsrm t3)
#define TEST_FP_FROMINT_D(n, inst, rm, flags, res, ival)                        \
        FP_CHECK_D_FROMINT(n, flags, res, ival, inst f10, a1, rm)
#define TEST_FP_FROMINT_D_DYN(n, inst, frm, flags, res, ival)                   \
        FP_CHECK_D_FROMINT(n, flags, res, ival, fsrmi t3, frm; inst f10, a1, dyn; fsrm t3)

/* ---- common FP bit patterns ----------------------------------------------------------- */

#define S_PZERO   0x00000000
#define S_NZERO   0x80000000
#define S_ONE     0x3f800000
#define S_MONE    0xbf800000
#define S_TWO     0x40000000
#define S_PINF    0x7f800000
#define S_NINF    0xff800000
#define S_QNAN    0x7fc00000   /* canonical NaN */
#define S_SNAN    0x7f800001
#define S_MAXF    0x7f7fffff   /* largest finite */
#define S_MINN    0x00800000   /* smallest normal */
#define S_MINSUB  0x00000001   /* smallest subnormal */
#define S_MAXSUB  0x007fffff   /* largest subnormal */

#define D_PZERO   0x0000000000000000
#define D_NZERO   0x8000000000000000
#define D_ONE     0x3ff0000000000000
#define D_MONE    0xbff0000000000000
#define D_TWO     0x4000000000000000
#define D_PINF    0x7ff0000000000000
#define D_NINF    0xfff0000000000000
#define D_QNAN    0x7ff8000000000000   /* canonical NaN */
#define D_SNAN    0x7ff0000000000001
#define D_MAXF    0x7fefffffffffffff
#define D_MINN    0x0010000000000000
#define D_MINSUB  0x0000000000000001
#define D_MAXSUB  0x000fffffffffffff

#endif /* HV_ISA_TEST_H */
