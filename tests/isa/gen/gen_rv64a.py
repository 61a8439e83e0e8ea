# Generates tests/isa/src/rv64a/amo_{w,d}.S.
import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *
MAXP=0x7fffffffffffffff; MINN=0x8000000000000000
def sgn(x,bits): x&=(1<<bits)-1; return x-(1<<bits) if x>>(bits-1) else x
def amo(op,old,v,bits):
    m=(1<<bits)-1; old&=m; v&=m
    return {'swap':v,'add':(old+v)&m,'xor':old^v,'and':old&v,'or':old|v,
            'min':old if sgn(old,bits)<=sgn(v,bits) else v,'max':old if sgn(old,bits)>=sgn(v,bits) else v,
            'minu':min(old,v),'maxu':max(old,v)}[op]
ops=['swap','add','xor','and','or','min','max','minu','maxu']
for W,bits in [('w',32),('d',64)]:
    f=F(f"{ROOT}/rv64a/amo_{W}.S",f"AMO*.{W.upper()}: rd = old memory value{' (sign-extended from 32 bits)' if W=='w' else ''}, memory = op(old, rs2);\n# aq/rl variants; rd = x0; rd == rs2; {'the other word of the doubleword is untouched' if W=='w' else 'all 64 bits'}.")
    cases=[(0x0000000080000000 if W=='w' else 0x8000000000000000, 1),(0x7fffffff if W=='w' else MAXP, 0xffffffff if W=='w' else M),
           (0x12345678 if W=='w' else 0x0123456789abcdef, 0xfedcba98 if W=='w' else 0xfedcba9876543210),(5, 0xfffffffb if W=='w' else -5)]
    variants=['','.aq','.rl','.aqrl']
    i=0
    for op in ops:
        for old,v in cases:
            var=variants[i%4]; i+=1
            ins=f"amo{op}.{W}{var}"
            new=amo(op,old,v,bits)
            if W=='w':
                hi=0xa5a5a5a5
                dw_before=(hi<<32)|(old&0xffffffff); dw_after=(hi<<32)|new; rdv=sx32(old)
            else:
                dw_before=old&M; dw_after=new; rdv=old&M
            f.raw(f"  TEST_CASE({f.num()}); la a1, amo_buf; li t0, {h(dw_before)}; sd t0, 0(a1); li a2, {h(v&M)}; {ins} a4, a2, (a1); CHECK_EQ(a4, {h(rdv)}); ld a5, 0(a1); CHECK_EQ(a5, {h(dw_after)})")
    f.c("rd = x0: memory still updated, x0 stays zero")
    f.raw(f"  TEST_CASE({f.num()}); la a1, amo_buf; li t0, 40; sd t0, 0(a1); li a2, 2; amoadd.{W} x0, a2, (a1); mv a4, x0; CHECK_EQ(a4, 0); ld a5, 0(a1); CHECK_EQ(a5, 42)")
    f.c("rd == rs2: rs2 is read before rd is written")
    f.raw(f"  TEST_CASE({f.num()}); la a1, amo_buf; li t0, 100; sd t0, 0(a1); li a2, 11; amoswap.{W} a2, a2, (a1); CHECK_EQ(a2, 100); ld a5, 0(a1); CHECK_EQ(a5, 11)")
    f.raw(f"  TEST_CASE({f.num()}); la a1, amo_buf; li t0, 100; sd t0, 0(a1); li a2, 11; amoadd.{W} a2, a2, (a1); CHECK_EQ(a2, 100); ld a5, 0(a1); CHECK_EQ(a5, 111)")
    f.c("rd == rs1: the address register receives the old value")
    f.raw(f"  TEST_CASE({f.num()}); la a1, amo_buf; li t0, 77; sd t0, 0(a1); li a2, 1; amoor.{W} a1, a2, (a1); CHECK_EQ(a1, 77); la a1, amo_buf; ld a5, 0(a1); CHECK_EQ(a5, 77)")
    f.c("a second aligned slot in the same doubleword / a different doubleword")
    off = 4 if W=='w' else 8
    f.raw(f"  TEST_CASE({f.num()}); la a1, amo_buf; li t0, -1; sd t0, 0(a1); sd t0, 8(a1); addi a3, a1, {off}; li a2, 0x10; amoand.{W} a4, a2, (a3); CHECK_EQ(a4, -1); ld a5, 0(a1); CHECK_EQ(a5, {h(0x00000010ffffffff if W=='w' else -1)}); ld a5, 8(a1); CHECK_EQ(a5, {h(-1 if W=='w' else 0x10)})")
    f.c("a sequence of adds accumulates")
    f.raw(f"  TEST_CASE({f.num()}); la a1, amo_buf; sd zero, 0(a1); li a2, 3; li a3, 10; 1: amoadd.{W} x0, a2, (a1); addi a3, a3, -1; bnez a3, 1b; ld a5, 0(a1); CHECK_EQ(a5, 30)")
    n=f.write()
    with open(f.path,'a') as fh: fh.write("\nTEST_DATA\n  .balign 16\namo_buf: .dword 0, 0\n")
    print(W,n)
