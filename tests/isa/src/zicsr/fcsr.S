# The floating-point CSRs: fflags (5 bits), frm (3 bits), fcsr = frm << 5 | fflags (bits 31:8
# read as zero, writes ignored); pseudo-instructions frcsr/fscsr/frrm/fsrm/frflags/fsflags and
# their immediate forms; flags accrue (only ever OR-ed in by FP instructions).

#include "test.h"

TEST_BEGIN

  TEST_CASE(1); csrw fcsr, zero; frcsr a4; CHECK_EQ(a4, 0)
  # fcsr write splits into frm and fflags
  TEST_CASE(2); li a1, 0x000000ff; fscsr a1; frcsr a4; CHECK_EQ(a4, 0xff); frrm a4; CHECK_EQ(a4, 7); frflags a4; CHECK_EQ(a4, 0x1f)
  # bits above 7 are ignored on write and read as zero
  TEST_CASE(3); li a1, -1; fscsr a4, a1; CHECK_EQ(a4, 0xff); frcsr a4; CHECK_EQ(a4, 0xff)
  TEST_CASE(4); li a1, 0xffffffffffffff00; fscsr a1; frcsr a4; CHECK_EQ(a4, 0)
  # fflags is 5 bits
  TEST_CASE(5); li a1, 0xffff; fsflags a4, a1; CHECK_EQ(a4, 0); frflags a4; CHECK_EQ(a4, 0x1f); frcsr a4; CHECK_EQ(a4, 0x1f)
  # frm is 3 bits, fflags untouched by frm writes
  TEST_CASE(6); li a1, 0xfd; fsrm a4, a1; CHECK_EQ(a4, 0); frrm a4; CHECK_EQ(a4, 5); frcsr a4; CHECK_EQ(a4, 0xbf)
  # immediate forms
  TEST_CASE(7); fsrmi a4, 2; CHECK_EQ(a4, 5); frcsr a4; CHECK_EQ(a4, 0x5f)
  TEST_CASE(8); fsflagsi a4, 0x0a; CHECK_EQ(a4, 0x1f); frcsr a4; CHECK_EQ(a4, 0x4a)
  TEST_CASE(9); csrsi fflags, 0x01; frflags a4; CHECK_EQ(a4, 0x0b)
  TEST_CASE(10); csrci fflags, 0x08; frflags a4; CHECK_EQ(a4, 0x03)
  TEST_CASE(11); csrci frm, 0x02; frrm a4; CHECK_EQ(a4, 0); csrsi frm, 0x4; frrm a4; CHECK_EQ(a4, 4)
  TEST_CASE(12); csrrwi a4, fcsr, 0x1f; CHECK_EQ(a4, 0x83); frcsr a4; CHECK_EQ(a4, 0x1f)
  # csrrs/csrrc on fcsr with registers
  TEST_CASE(13); li a1, 0x60; csrrs a4, fcsr, a1; CHECK_EQ(a4, 0x1f); frcsr a4; CHECK_EQ(a4, 0x7f)
  TEST_CASE(14); li a1, 0x31; csrrc a4, fcsr, a1; CHECK_EQ(a4, 0x7f); frcsr a4; CHECK_EQ(a4, 0x4e)

  # flags accrue: an exact operation does not clear earlier flags
  TEST_CASE(15); fscsr zero
  li t0, 0x3f800000; fmv.w.x f1, t0; li t0, 0x40400000; fmv.w.x f2, t0
  fdiv.s f3, f1, f2          # inexact
  fadd.s f4, f1, f1          # exact
  frflags a4; CHECK_EQ(a4, NX)
  fmv.w.x f5, zero
  fdiv.s f6, f1, f5          # divide by zero
  frflags a4; CHECK_EQ(a4, NX | DZ)
  li t0, 0x7f800001; fmv.w.x f7, t0
  feq.s a5, f7, f1           # sNaN in a quiet compare: NV
  frflags a4; CHECK_EQ(a4, NX | DZ | NV)
  fmul.s f8, f1, f1          # exact, does not clear
  frflags a4; CHECK_EQ(a4, NX | DZ | NV)
  # reading flags with csrrci clears only what is asked
  TEST_CASE(16); csrrci a4, fflags, NV; CHECK_EQ(a4, NX | DZ | NV); frflags a4; CHECK_EQ(a4, NX | DZ)
  # the rounding mode field drives dyn instructions; fflags writes do not change it
  TEST_CASE(17); fscsr zero; fsrmi FRM_RUP; fsflagsi 0
  fdiv.s f3, f1, f2, dyn; fmv.x.w a4, f3; CHECK_EQ(a4, 0x3eaaaaab)
  fsrmi FRM_RDN; fdiv.s f3, f1, f2, dyn; fmv.x.w a4, f3; CHECK_EQ(a4, 0x3eaaaaaa)
  frcsr a4; CHECK_EQ(a4, (FRM_RDN << 5) | NX)
  fscsr zero

TEST_END
