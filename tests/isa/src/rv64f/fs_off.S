# With mstatus.FS = Off every F/D instruction and every access to fflags/frm/fcsr raises
# illegal-instruction; turning FS back on makes them work again and keeps the FP state.

#include "test.h"

TEST_BEGIN

  TEST_CASE(1); li t0, 0x40490fdb; fmv.w.x f5, t0; csrwi fflags, NX
  li t0, MSTATUS_FS; csrc mstatus, t0
  csrr a4, mstatus; and a4, a4, t0; CHECK_EQ(a4, 0)

  # fadd.s f10, f1, f2
  TEST_ILLEGAL32(2, 0x00208553)
  # fmv.x.w a0, f5
  TEST_ILLEGAL32(3, 0xe0028553)
  # flw f10, 0(sp)
  TEST_ILLEGAL32(4, 0x00012507)
  # fsd f5, 0(sp)
  TEST_ILLEGAL32(5, 0x00513027)
  # frflags a0 (csrrs a0, fflags, x0)
  TEST_ILLEGAL32(6, 0x00102573)
  # fsrm x0, a1 (csrrw x0, frm, a1)
  TEST_ILLEGAL32(7, 0x00259073)
  # frcsr a0
  TEST_ILLEGAL32(8, 0x00302573)
  # fmadd.d f10, f1, f2, f3
  TEST_ILLEGAL32(9, 0x1a20f543)

  # FS on again: the register file and the flags were preserved
  TEST_CASE(10); li t0, MSTATUS_FS_DIRTY; csrs mstatus, t0
  fmv.x.w a4, f5; CHECK_EQ(a4, 0x40490fdb)
  frflags a4; CHECK_EQ(a4, NX)
  csrwi fflags, 0

TEST_END
