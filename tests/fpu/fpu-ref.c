/*
 * fpu-ref.c — reference oracle for the soft-float differential test (tests/fpu/fpu.test.ts).
 *
 * Built for riscv64 Linux (riscv64-linux-gnu-gcc -static -O2) and run under qemu-riscv64.
 * Reads fixed-size little-endian records from stdin:
 *     struct { uint32_t op; uint32_t rm; uint64_t a, b, c; }        (32 bytes)
 * executes the RISC-V F/D instruction selected by `op` with the STATIC rounding mode `rm`
 * (0=rne 1=rtz 2=rdn 3=rup 4=rmm, encoded in the instruction's rm field), and writes
 *     struct { uint64_t result; uint64_t fflags; }                  (16 bytes)
 * Single-precision operands/results are the low 32 bits (moved with fmv.w.x / fmv.x.w, so
 * NaN boxing is done by the "hardware"); integer results are the raw 64-bit register.
 * The op numbering must match OPS in fpu.test.ts.
 */
#include <stdint.h>
#include <stdio.h>

typedef uint64_t u64;

/* Helpers generating the asm for each rounding-mode string. */
#define ASM_BIN(MV_IN, INSN_STR, MV_OUT, RM)                                                 \
  __asm__ volatile(MV_IN " ft0, %1\n\t" MV_IN " ft1, %2\n\t" INSN_STR " ft2, ft0, ft1, " RM  \
                   "\n\t" MV_OUT " %0, ft2" : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft2")
#define ASM_BIN_NORM(MV_IN, INSN_STR, MV_OUT)                                                \
  __asm__ volatile(MV_IN " ft0, %1\n\t" MV_IN " ft1, %2\n\t" INSN_STR " ft2, ft0, ft1\n\t"    \
                   MV_OUT " %0, ft2" : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1", "ft2")
#define ASM_CMP(MV_IN, INSN_STR)                                                             \
  __asm__ volatile(MV_IN " ft0, %1\n\t" MV_IN " ft1, %2\n\t" INSN_STR " %0, ft0, ft1"         \
                   : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1")
#define ASM_FMA(MV_IN, INSN_STR, MV_OUT, RM)                                                 \
  __asm__ volatile(MV_IN " ft0, %1\n\t" MV_IN " ft1, %2\n\t" MV_IN " ft2, %3\n\t" INSN_STR    \
                   " ft3, ft0, ft1, ft2, " RM "\n\t" MV_OUT " %0, ft3"                       \
                   : "=r"(r) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3")
#define ASM_UN(MV_IN, INSN_STR, MV_OUT, RM)                                                  \
  __asm__ volatile(MV_IN " ft0, %1\n\t" INSN_STR " ft1, ft0, " RM "\n\t" MV_OUT " %0, ft1"    \
                   : "=r"(r) : "r"(a) : "ft0", "ft1")
#define ASM_UN_NORM(MV_IN, INSN_STR, MV_OUT)                                                 \
  __asm__ volatile(MV_IN " ft0, %1\n\t" INSN_STR " ft1, ft0\n\t" MV_OUT " %0, ft1"            \
                   : "=r"(r) : "r"(a) : "ft0", "ft1")
#define ASM_F2I(MV_IN, INSN_STR, RM)                                                         \
  __asm__ volatile(MV_IN " ft0, %1\n\t" INSN_STR " %0, ft0, " RM : "=r"(r) : "r"(a) : "ft0")
#define ASM_CLASS(MV_IN, INSN_STR)                                                           \
  __asm__ volatile(MV_IN " ft0, %1\n\t" INSN_STR " %0, ft0" : "=r"(r) : "r"(a) : "ft0")
#define ASM_I2F(INSN_STR, MV_OUT, RM)                                                        \
  __asm__ volatile(INSN_STR " ft0, %1, " RM "\n\t" MV_OUT " %0, ft0" : "=r"(r) : "r"(a) : "ft0")

/* One function per operation (op numbers in the table at the bottom). */
#define DEF_BIN(NAME, MV_IN, INSN, MV_OUT)                                                   \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)c;                                                                          \
    switch (rm) {                                                                            \
      case 0: ASM_BIN(MV_IN, INSN, MV_OUT, "rne"); break;                                    \
      case 1: ASM_BIN(MV_IN, INSN, MV_OUT, "rtz"); break;                                    \
      case 2: ASM_BIN(MV_IN, INSN, MV_OUT, "rdn"); break;                                    \
      case 3: ASM_BIN(MV_IN, INSN, MV_OUT, "rup"); break;                                    \
      default: ASM_BIN(MV_IN, INSN, MV_OUT, "rmm"); break;                                   \
    }                                                                                        \
    return r;                                                                                \
  }
#define DEF_FMA(NAME, MV_IN, INSN, MV_OUT)                                                   \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r;                                                                                   \
    switch (rm) {                                                                            \
      case 0: ASM_FMA(MV_IN, INSN, MV_OUT, "rne"); break;                                    \
      case 1: ASM_FMA(MV_IN, INSN, MV_OUT, "rtz"); break;                                    \
      case 2: ASM_FMA(MV_IN, INSN, MV_OUT, "rdn"); break;                                    \
      case 3: ASM_FMA(MV_IN, INSN, MV_OUT, "rup"); break;                                    \
      default: ASM_FMA(MV_IN, INSN, MV_OUT, "rmm"); break;                                   \
    }                                                                                        \
    return r;                                                                                \
  }
#define DEF_UN(NAME, MV_IN, INSN, MV_OUT)                                                    \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)b; (void)c;                                                                 \
    switch (rm) {                                                                            \
      case 0: ASM_UN(MV_IN, INSN, MV_OUT, "rne"); break;                                     \
      case 1: ASM_UN(MV_IN, INSN, MV_OUT, "rtz"); break;                                     \
      case 2: ASM_UN(MV_IN, INSN, MV_OUT, "rdn"); break;                                     \
      case 3: ASM_UN(MV_IN, INSN, MV_OUT, "rup"); break;                                     \
      default: ASM_UN(MV_IN, INSN, MV_OUT, "rmm"); break;                                    \
    }                                                                                        \
    return r;                                                                                \
  }
#define DEF_F2I(NAME, MV_IN, INSN)                                                           \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)b; (void)c;                                                                 \
    switch (rm) {                                                                            \
      case 0: ASM_F2I(MV_IN, INSN, "rne"); break;                                            \
      case 1: ASM_F2I(MV_IN, INSN, "rtz"); break;                                            \
      case 2: ASM_F2I(MV_IN, INSN, "rdn"); break;                                            \
      case 3: ASM_F2I(MV_IN, INSN, "rup"); break;                                            \
      default: ASM_F2I(MV_IN, INSN, "rmm"); break;                                           \
    }                                                                                        \
    return r;                                                                                \
  }
#define DEF_I2F(NAME, INSN, MV_OUT)                                                          \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)b; (void)c;                                                                 \
    switch (rm) {                                                                            \
      case 0: ASM_I2F(INSN, MV_OUT, "rne"); break;                                           \
      case 1: ASM_I2F(INSN, MV_OUT, "rtz"); break;                                           \
      case 2: ASM_I2F(INSN, MV_OUT, "rdn"); break;                                           \
      case 3: ASM_I2F(INSN, MV_OUT, "rup"); break;                                           \
      default: ASM_I2F(INSN, MV_OUT, "rmm"); break;                                          \
    }                                                                                        \
    return r;                                                                                \
  }
#define DEF_I2F_EXACT(NAME, INSN, MV_OUT)                                                    \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)b; (void)c; (void)rm;                                                       \
    __asm__ volatile(INSN " ft0, %1\n\t" MV_OUT " %0, ft0" : "=r"(r) : "r"(a) : "ft0");       \
    return r;                                                                                \
  }
#define DEF_NORM_BIN(NAME, MV_IN, INSN, MV_OUT)                                              \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)c; (void)rm; ASM_BIN_NORM(MV_IN, INSN, MV_OUT); return r;                   \
  }
#define DEF_CMP(NAME, MV_IN, INSN)                                                           \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)c; (void)rm; ASM_CMP(MV_IN, INSN); return r;                                \
  }
#define DEF_CLASS(NAME, MV_IN, INSN)                                                         \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)b; (void)c; (void)rm; ASM_CLASS(MV_IN, INSN); return r;                     \
  }
#define DEF_UN_NORM(NAME, MV_IN, INSN, MV_OUT)                                               \
  static u64 NAME(u64 a, u64 b, u64 c, unsigned rm) {                                      \
    u64 r; (void)b; (void)c; (void)rm; ASM_UN_NORM(MV_IN, INSN, MV_OUT); return r;           \
  }

#define S_IN "fmv.w.x"
#define S_OUT "fmv.x.w"
#define D_IN "fmv.d.x"
#define D_OUT "fmv.x.d"

/* binary32 */
DEF_BIN(fadd_s, S_IN, "fadd.s", S_OUT)
DEF_BIN(fsub_s, S_IN, "fsub.s", S_OUT)
DEF_BIN(fmul_s, S_IN, "fmul.s", S_OUT)
DEF_BIN(fdiv_s, S_IN, "fdiv.s", S_OUT)
DEF_UN(fsqrt_s, S_IN, "fsqrt.s", S_OUT)
DEF_FMA(fmadd_s, S_IN, "fmadd.s", S_OUT)
DEF_FMA(fmsub_s, S_IN, "fmsub.s", S_OUT)
DEF_FMA(fnmsub_s, S_IN, "fnmsub.s", S_OUT)
DEF_FMA(fnmadd_s, S_IN, "fnmadd.s", S_OUT)
DEF_NORM_BIN(fmin_s, S_IN, "fmin.s", S_OUT)
DEF_NORM_BIN(fmax_s, S_IN, "fmax.s", S_OUT)
DEF_CMP(feq_s, S_IN, "feq.s")
DEF_CMP(flt_s, S_IN, "flt.s")
DEF_CMP(fle_s, S_IN, "fle.s")
DEF_CLASS(fclass_s, S_IN, "fclass.s")
DEF_F2I(fcvt_w_s, S_IN, "fcvt.w.s")
DEF_F2I(fcvt_wu_s, S_IN, "fcvt.wu.s")
DEF_F2I(fcvt_l_s, S_IN, "fcvt.l.s")
DEF_F2I(fcvt_lu_s, S_IN, "fcvt.lu.s")
DEF_I2F(fcvt_s_w, "fcvt.s.w", S_OUT)
DEF_I2F(fcvt_s_wu, "fcvt.s.wu", S_OUT)
DEF_I2F(fcvt_s_l, "fcvt.s.l", S_OUT)
DEF_I2F(fcvt_s_lu, "fcvt.s.lu", S_OUT)
/* binary64 */
DEF_BIN(fadd_d, D_IN, "fadd.d", D_OUT)
DEF_BIN(fsub_d, D_IN, "fsub.d", D_OUT)
DEF_BIN(fmul_d, D_IN, "fmul.d", D_OUT)
DEF_BIN(fdiv_d, D_IN, "fdiv.d", D_OUT)
DEF_UN(fsqrt_d, D_IN, "fsqrt.d", D_OUT)
DEF_FMA(fmadd_d, D_IN, "fmadd.d", D_OUT)
DEF_FMA(fmsub_d, D_IN, "fmsub.d", D_OUT)
DEF_FMA(fnmsub_d, D_IN, "fnmsub.d", D_OUT)
DEF_FMA(fnmadd_d, D_IN, "fnmadd.d", D_OUT)
DEF_NORM_BIN(fmin_d, D_IN, "fmin.d", D_OUT)
DEF_NORM_BIN(fmax_d, D_IN, "fmax.d", D_OUT)
DEF_CMP(feq_d, D_IN, "feq.d")
DEF_CMP(flt_d, D_IN, "flt.d")
DEF_CMP(fle_d, D_IN, "fle.d")
DEF_CLASS(fclass_d, D_IN, "fclass.d")
DEF_F2I(fcvt_w_d, D_IN, "fcvt.w.d")
DEF_F2I(fcvt_wu_d, D_IN, "fcvt.wu.d")
DEF_F2I(fcvt_l_d, D_IN, "fcvt.l.d")
DEF_F2I(fcvt_lu_d, D_IN, "fcvt.lu.d")
DEF_I2F_EXACT(fcvt_d_w, "fcvt.d.w", D_OUT)   /* always exact: no rm operand in the assembler */
DEF_I2F_EXACT(fcvt_d_wu, "fcvt.d.wu", D_OUT)
DEF_I2F(fcvt_d_l, "fcvt.d.l", D_OUT)
DEF_I2F(fcvt_d_lu, "fcvt.d.lu", D_OUT)
/* between formats */
DEF_UN_NORM(fcvt_d_s, S_IN, "fcvt.d.s", D_OUT)
DEF_UN(fcvt_s_d, D_IN, "fcvt.s.d", S_OUT)

typedef u64 (*op_fn)(u64, u64, u64, unsigned);

/* Index = op number; keep in sync with OPS in fpu.test.ts. */
static const op_fn OPS[] = {
  fadd_s, fsub_s, fmul_s, fdiv_s, fsqrt_s, fmadd_s, fmsub_s, fnmsub_s, fnmadd_s,
  fmin_s, fmax_s, feq_s, flt_s, fle_s, fclass_s,
  fcvt_w_s, fcvt_wu_s, fcvt_l_s, fcvt_lu_s, fcvt_s_w, fcvt_s_wu, fcvt_s_l, fcvt_s_lu,
  fadd_d, fsub_d, fmul_d, fdiv_d, fsqrt_d, fmadd_d, fmsub_d, fnmsub_d, fnmadd_d,
  fmin_d, fmax_d, feq_d, flt_d, fle_d, fclass_d,
  fcvt_w_d, fcvt_wu_d, fcvt_l_d, fcvt_lu_d, fcvt_d_w, fcvt_d_wu, fcvt_d_l, fcvt_d_lu,
  fcvt_d_s, fcvt_s_d,
};
#define NOPS (sizeof OPS / sizeof OPS[0])
/* Ops whose result is a binary32 value (low 32 bits of the fmv.x.w result are kept). */
static const unsigned char SINGLE_RESULT[NOPS] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0,
  0, 0, 0, 0, 1, 1, 1, 1,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0,
  0, 1,
};

struct in_rec { uint32_t op, rm; u64 a, b, c; };
struct out_rec { u64 result, flags; };

int main(void) {
  static struct in_rec in[4096];
  static struct out_rec out[4096];
  size_t n;
  while ((n = fread(in, sizeof in[0], 4096, stdin)) > 0) {
    for (size_t i = 0; i < n; i++) {
      u64 r = 0, fl = 0;
      if (in[i].op < NOPS) {
        __asm__ volatile("fsflags zero");
        r = OPS[in[i].op](in[i].a, in[i].b, in[i].c, in[i].rm);
        __asm__ volatile("frflags %0" : "=r"(fl));
        if (SINGLE_RESULT[in[i].op]) r &= 0xffffffffu;
      } else {
        fl = ~(u64)0;
      }
      out[i].result = r;
      out[i].flags = fl;
    }
    if (fwrite(out, sizeof out[0], n, stdout) != n) return 1;
  }
  return 0;
}
