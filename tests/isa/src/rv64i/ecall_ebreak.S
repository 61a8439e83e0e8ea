# ECALL / EBREAK from M-mode: environment-call-from-M (cause 11) and breakpoint (cause 3),
# mepc = the instruction's address, and execution resumes where the handler says.

#include "test.h"

TEST_BEGIN

  TEST_CASE(1)
  TRAP_EXPECT(2f)
1:ecall
  j hv_fail
2:TRAP_CHECK(CAUSE_MACHINE_ECALL, 0, 1b)

  # ebreak: mtval is either 0 or the address of the ebreak; only cause and epc are checked
  TEST_CASE(2)
  TRAP_EXPECT(2f)
1:ebreak
  j hv_fail
2:la t1, hv_trap_record
  ld t0, 0(t1); CHECK_EQ(t0, CAUSE_BREAKPOINT)
  ld t0, 16(t1); la t2, 1b; CHECK_REG(t0, t2)

  # registers other than t5/t6 survive a trap round trip
  TEST_CASE(3)
  li a0, 0x1111; li a1, 0x2222; li s0, 0x3333; li ra, 0x4444
  TRAP_EXPECT(2f)
  ecall
  j hv_fail
2:CHECK_EQ(a0, 0x1111); CHECK_EQ(a1, 0x2222); CHECK_EQ(s0, 0x3333); CHECK_EQ(ra, 0x4444)

  # the handler can skip the trapping instruction by advancing mepc by 4 (done here by hand)
  TEST_CASE(4)
  TRAP_EXPECT(3f)
1:ecall
2:j 4f
3:la t1, hv_trap_record
  ld t0, 16(t1); addi t0, t0, 4; la t2, 2b; CHECK_REG(t0, t2)
4:
  # mcause has no interrupt bit
  TEST_CASE(5)
  TRAP_EXPECT(2f)
  ecall
  j hv_fail
2:la t1, hv_trap_record; ld t0, 0(t1); bltz t0, hv_fail

TEST_END
