# Zifencei: a store that rewrites an instruction followed by FENCE.I makes the new instruction
# visible to fetch: patching a (hot) function, patching the instruction right after the fence
# in the same straight-line block, a compressed instruction patched with a halfword store, and
# code generated in a data buffer.

#include "test.h"

#define ADDI_A0(imm) (0x00000513 | ((imm) << 20))     /* addi a0, x0, imm */
#define ADDI_A0_A0(imm) (0x00050513 | ((imm) << 20))  /* addi a0, a0, imm */
#define C_LI_A0(imm) (0x4501 | ((imm) << 2))          /* c.li a0, imm (0 <= imm < 32) */
#define RET 0x00008067                                 /* jalr x0, 0(ra) */

TEST_BEGIN

  # the function returns 1; make it hot first
  TEST_CASE(1); li s1, 200
1:jal ra, patch_fn; addi s1, s1, -1; bnez s1, 1b
  CHECK_EQ(a0, 1)
  # patch it to return 2
  TEST_CASE(2); la a1, patch_fn; li a2, ADDI_A0(2); sw a2, 0(a1); fence.i
  jal ra, patch_fn; CHECK_EQ(a0, 2)
  # and again to return 3 (stale translations of the previous patch must go too)
  TEST_CASE(3); li s1, 50
1:jal ra, patch_fn; addi s1, s1, -1; bnez s1, 1b
  la a1, patch_fn; li a2, ADDI_A0(3); sw a2, 0(a1); fence.i
  jal ra, patch_fn; CHECK_EQ(a0, 3)

  # patch the instruction immediately following fence.i (same basic block)
  TEST_CASE(4); la a1, 2f; li a2, ADDI_A0(44); li a0, 0
  sw a2, 0(a1)
  fence.i
2:addi a0, x0, 4
  CHECK_EQ(a0, 44)
  # the same code run in a loop, patched on the second iteration
  TEST_CASE(5); li s1, 0; li s2, 0
3:addi a0, x0, 1
  add s2, s2, a0
  bnez s1, 4f
  li s1, 1; la a1, 3b; li a2, ADDI_A0(10); sw a2, 0(a1); fence.i
  j 3b
4:CHECK_EQ(s2, 11)

  # a compressed instruction patched with a halfword store
  TEST_CASE(6); jal ra, patch_c; CHECK_EQ(a0, 5)
  la a1, patch_c; li a2, C_LI_A0(17); sh a2, 0(a1); fence.i
  jal ra, patch_c; CHECK_EQ(a0, 17)

  # code generated into a data buffer and run
  TEST_CASE(7); la a1, code_buf
  li a2, ADDI_A0(40); sw a2, 0(a1)
  li a2, ADDI_A0_A0(2); sw a2, 4(a1)
  li a2, RET; sw a2, 8(a1)
  fence.i
  jalr ra, 0(a1); CHECK_EQ(a0, 42)
  # rewrite the buffer and run again
  TEST_CASE(8); la a1, code_buf; li a2, ADDI_A0_A0(-50); sw a2, 4(a1); fence.i
  jalr ra, 0(a1); CHECK_EQ(a0, -10)
  # the data written as code is also readable as data
  TEST_CASE(9); la a1, code_buf; lw a4, 4(a1); CHECK_EQ(a4, SEXT32(ADDI_A0_A0(-50)))

TEST_END

  .balign 4
patch_fn:
  addi a0, x0, 1
  ret

  .option push
  .option rvc
  .balign 4
patch_c:
  c.li a0, 5
  c.jr ra
  .option pop

TEST_DATA
  .balign 64
code_buf: .fill 16, 4, 0
