# NaN-boxing (unprivileged ISA 12.2): single-precision operands must be NaN-boxed (upper 32 bits
# all ones); an improperly boxed operand is read as the canonical NaN 0x7fc00000 (a quiet NaN:
# no NV). Results of single-precision ops and FLW/FMV.W.X are boxed. The transfer operations
# FMV.X.W and FSW move the raw low 32 bits without checking.

#include "test.h"

/* Loads a raw 64-bit image into f1 (fmv.d.x does no boxing). */
#define RAW_F1(v) li t0, v; fmv.d.x f1, t0
#define RAW_F2(v) li t0, v; fmv.d.x f2, t0

TEST_BEGIN

  # arithmetic on an unboxed operand gives the canonical NaN, no flags
  TEST_CASE(1); RAW_F1(0x000000003f800000); RAW_F2(BOX32(0x3f800000))
  fsflags x0; fadd.s f10, f1, f2; frflags t1; fmv.x.d a4, f10
  CHECK_EQ(a4, BOX32(0x7fc00000)); CHECK_EQ(t1, 0)
  # almost boxed (one upper bit clear) is still not boxed
  TEST_CASE(2); RAW_F1(0xfffffffe3f800000); RAW_F2(BOX32(0x3f800000))
  fsflags x0; fmul.s f10, f2, f1; frflags t1; fmv.x.d a4, f10
  CHECK_EQ(a4, BOX32(0x7fc00000)); CHECK_EQ(t1, 0)
  # a double value in the register (e.g. 1.0 double) is not a boxed single
  TEST_CASE(3); RAW_F1(0x3ff0000000000000)
  fsflags x0; fsqrt.s f10, f1; frflags t1; fmv.x.d a4, f10
  CHECK_EQ(a4, BOX32(0x7fc00000)); CHECK_EQ(t1, 0)
  # unboxed low bits that look like a signaling NaN: still the (quiet) canonical NaN, no NV
  TEST_CASE(4); RAW_F1(0x000000007f800001); RAW_F2(BOX32(0x3f800000))
  fsflags x0; fsub.s f10, f1, f2; frflags t1; fmv.x.d a4, f10
  CHECK_EQ(a4, BOX32(0x7fc00000)); CHECK_EQ(t1, 0)
  # fused multiply-add with an unboxed addend
  TEST_CASE(5); RAW_F1(BOX32(0x40000000)); li t0, 0x3f800000; fmv.d.x f3, t0
  fsflags x0; fmadd.s f10, f1, f1, f3; frflags t1; fmv.x.d a4, f10
  CHECK_EQ(a4, BOX32(0x7fc00000)); CHECK_EQ(t1, 0)

  # fsgnj family: the unboxed operand becomes 0x7fc00000 before the sign is injected
  TEST_CASE(6); RAW_F1(0x00000000bf800000); RAW_F2(BOX32(0x80000000))
  fsgnj.s f10, f1, f2; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0xffc00000))
  TEST_CASE(7); RAW_F1(0x00000000bf800000); RAW_F2(BOX32(0x80000000))
  fsgnjn.s f10, f1, f2; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x7fc00000))
  TEST_CASE(8); RAW_F1(0x00000000bf800000); RAW_F2(BOX32(0x80000000))
  fsgnjx.s f10, f1, f2; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0xffc00000))
  # unboxed rs2: its "sign" is that of the canonical NaN (positive)
  TEST_CASE(9); RAW_F1(BOX32(0xbf800000)); RAW_F2(0x0000000080000000)
  fsgnj.s f10, f1, f2; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x3f800000))
  TEST_CASE(10); RAW_F1(BOX32(0x3f800000)); RAW_F2(0x0000000080000000)
  fsgnjn.s f10, f1, f2; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0xbf800000))
  # fneg.s / fabs.s of an unboxed register
  TEST_CASE(11); RAW_F1(0x0000000012345678)
  fneg.s f10, f1; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0xffc00000))
  TEST_CASE(12); RAW_F1(0xffff0000c0000000)
  fabs.s f10, f1; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x7fc00000))

  # fclass.s: quiet NaN; compares: NaN (feq quiet: no NV; flt signaling: NV)
  TEST_CASE(13); RAW_F1(0x000000003f800000)
  fclass.s a4, f1; CHECK_EQ(a4, FCLASS_QNAN)
  TEST_CASE(14); RAW_F1(0x000000003f800000); fmv.d.x f2, t0
  fsflags x0; feq.s a4, f1, f2; frflags t1; CHECK_EQ(a4, 0); CHECK_EQ(t1, 0)
  TEST_CASE(15); RAW_F1(0x000000003f800000); RAW_F2(BOX32(0x3f800000))
  fsflags x0; fle.s a4, f2, f1; frflags t1; CHECK_EQ(a4, 0); CHECK_EQ(t1, NV)
  # fmin/fmax: the unboxed operand is a NaN, so the other operand is returned
  TEST_CASE(16); RAW_F1(0x0000000000000000); RAW_F2(BOX32(0x40400000))
  fsflags x0; fmin.s f10, f1, f2; frflags t1; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x40400000)); CHECK_EQ(t1, 0)
  TEST_CASE(17); RAW_F1(0x0000000000000000); RAW_F2(0x0000000000000000)
  fmax.s f10, f1, f2; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x7fc00000))
  # conversions read the canonical NaN
  TEST_CASE(18); RAW_F1(0x0000000040000000)
  fsflags x0; fcvt.w.s a4, f1, rtz; frflags t1; CHECK_EQ(a4, 0x7fffffff); CHECK_EQ(t1, NV)
  TEST_CASE(19); RAW_F1(0x0000000040000000)
  fsflags x0; fcvt.lu.s a4, f1, rtz; frflags t1; CHECK_EQ(a4, -1); CHECK_EQ(t1, NV)
  TEST_CASE(20); RAW_F1(0x0000000040000000)
  fsflags x0; fcvt.d.s f10, f1; frflags t1; fmv.x.d a4, f10; CHECK_EQ(a4, 0x7ff8000000000000); CHECK_EQ(t1, 0)

  # transfers do not check: fmv.x.w moves the raw low 32 bits (sign-extended) ...
  TEST_CASE(21); RAW_F1(0x1234567880000001)
  fmv.x.w a4, f1; CHECK_EQ(a4, 0xffffffff80000001)
  TEST_CASE(22); RAW_F1(0x000000003f800000)
  fmv.x.w a4, f1; CHECK_EQ(a4, 0x3f800000)
  # ... and fsw stores them
  TEST_CASE(23); RAW_F1(0x00000000deadbeef); la a1, buf; sd zero, 0(a1)
  fsw f1, 0(a1); ld a4, 0(a1); CHECK_EQ(a4, 0xdeadbeef)

  # results are boxed: fmv.w.x, flw, single-precision ops, fcvt.s.d
  TEST_CASE(24); RAW_F1(0); li t0, 0x0000000012345678; fmv.w.x f10, t0; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x12345678))
  TEST_CASE(25); li t0, 0xaaaaaaaa87654321; fmv.w.x f10, t0; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x87654321))
  TEST_CASE(26); la a1, buf; li t0, 0x000000003fc00000; sd t0, 0(a1); RAW_F1(0); flw f10, 0(a1); fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x3fc00000))
  TEST_CASE(27); li t0, 0x3ff8000000000000; fmv.d.x f1, t0; fcvt.s.d f10, f1; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x3fc00000))
  TEST_CASE(28); li a1, 3; fcvt.s.w f10, a1; fmv.x.d a4, f10; CHECK_EQ(a4, BOX32(0x40400000))
  # a boxed single seen by a double-precision op is a (quiet) NaN: canonical result, no flags
  TEST_CASE(29); RAW_F1(BOX32(0x3f800000)); RAW_F2(0x3ff0000000000000)
  fsflags x0; fadd.d f10, f1, f2; frflags t1; fmv.x.d a4, f10; CHECK_EQ(a4, 0x7ff8000000000000); CHECK_EQ(t1, 0)
  TEST_CASE(30); RAW_F1(BOX32(0x3f800000))
  fclass.d a4, f1; CHECK_EQ(a4, FCLASS_QNAN)

TEST_END

TEST_DATA
buf: .dword 0
