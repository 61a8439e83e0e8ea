# Reserved rounding modes: rm = 5 or 6 in the instruction is reserved (illegal instruction), and
# rm = 7 (dyn) with frm holding an invalid value (5, 6, 7) is illegal too. Ops that ignore rm
# are unaffected by an invalid frm. fcsr.frm accepts and reads back any 3-bit value.

#include "test.h"

/* fadd.s f10, f1, f2 with rm field = r */
#define FADD_S_RM(r) (0x00208553 | ((r) << 12))
/* fadd.d f10, f1, f2 with rm field = r */
#define FADD_D_RM(r) (0x02208553 | ((r) << 12))
/* fcvt.w.s a0, f1 with rm field = r */
#define FCVT_W_S_RM(r) (0xc0008553 | ((r) << 12))

TEST_BEGIN

  # the encodings are right: rm = 0 (rne) executes fine
  TEST_CASE(1); li t0, 0x3f800000; fmv.w.x f1, t0; fmv.w.x f2, t0
  .word FADD_S_RM(0)
  fmv.x.w a4, f10; CHECK_EQ(a4, 0x40000000)

  TEST_ILLEGAL32(2, FADD_S_RM(5))
  TEST_ILLEGAL32(3, FADD_S_RM(6))
  TEST_ILLEGAL32(4, FADD_D_RM(5))
  TEST_ILLEGAL32(5, FADD_D_RM(6))
  TEST_ILLEGAL32(6, FCVT_W_S_RM(5))

  # dyn with an invalid frm
  TEST_CASE(7); csrwi frm, 5
  TEST_ILLEGAL32(7, FADD_S_RM(7))
  TEST_CASE(8); csrwi frm, 6
  TEST_ILLEGAL32(8, FADD_D_RM(7))
  TEST_CASE(9); csrwi frm, 7
  TEST_ILLEGAL32(9, FCVT_W_S_RM(7))
  # frm reads back the invalid value (it is a WARL-free 3-bit field)
  TEST_CASE(10); frrm a4; CHECK_EQ(a4, 7)
  # instructions without a rounding mode still work with an invalid frm
  TEST_CASE(11); li t0, 0x40000000; fmv.w.x f1, t0; li t0, 0xc0000000; fmv.w.x f2, t0
  fsgnjx.s f10, f1, f2; fmv.x.w a4, f10; CHECK_EQ(a4, 0xffffffffc0000000)
  fmin.s f10, f1, f2; fmv.x.w a4, f10; CHECK_EQ(a4, 0xffffffffc0000000)
  flt.s a4, f2, f1; CHECK_EQ(a4, 1)
  fclass.s a4, f1; CHECK_EQ(a4, FCLASS_POS_NORMAL)
  # with a valid frm again, dyn works
  TEST_CASE(12); csrwi frm, FRM_RTZ; li t0, 0x3f800000; fmv.w.x f1, t0; li t0, 0x40400000; fmv.w.x f2, t0
  fdiv.s f10, f1, f2, dyn; fmv.x.w a4, f10; CHECK_EQ(a4, 0x3eaaaaaa)
  csrwi frm, 0

TEST_END
