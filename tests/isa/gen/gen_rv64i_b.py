# Generates tests/isa/src/rv64i/{beq,bne,blt,bge,bltu,bgeu,lb,lbu,lh,lhu,lw,lwu,ld,sb,sh,sw,sd}.S.
import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *
tot={}
def emit(name,title,build,data=None):
    f=F(f"{ROOT}/rv64i/{name}.S",title); build(f); tot[name]=f.write()
    if data:
        with open(f.path,'a') as fh: fh.write("\nTEST_DATA\n"+data)
MAXP=0x7fffffffffffffff; MINN=0x8000000000000000
# ---- branches
conds={'beq':lambda a,b:a==b,'bne':lambda a,b:a!=b,'blt':lambda a,b:s64(a)<s64(b),'bge':lambda a,b:s64(a)>=s64(b),
       'bltu':lambda a,b:(a&M)<(b&M),'bgeu':lambda a,b:(a&M)>=(b&M)}
bp=[(0,0),(1,1),(-1,-1),(0,1),(1,0),(-1,1),(1,-1),(-2,-1),(-1,-2),(MINN,MAXP),(MAXP,MINN),(MINN,0),(0,MINN),
    (0x100000000,0),(0,0x100000000),(0xffffffff,0xffffffff80000000),(0x8000000000000000,0x8000000000000001),(0x5555555555555555,0x5555555555555555)]
for op in conds:
    def b(f,op=op):
        for a,bb in bp:
            t='TAKEN' if conds[op](a&M,bb&M) else 'NOTTAKEN'
            f.raw(f"  TEST_BR2_{t}({f.num()}, {op}, {h(a)}, {h(bb)})")
        f.c("a branch with rs1 == rs2 register, and with x0 operands")
        t='TAKEN' if conds[op](5,5) else 'NOTTAKEN'
        f.raw(f"  TEST_CASE({f.num()}); li a1, 5; {op} a1, a1, 1f; j 2f")
        f.raw(f"1:  {'nop' if t=='TAKEN' else 'j hv_fail'}; j 3f")
        f.raw(f"2:  {'j hv_fail' if t=='TAKEN' else 'nop'}")
        f.raw("3:")
        t='TAKEN' if conds[op](0,(-7)&M) else 'NOTTAKEN'
        f.raw(f"  TEST_CASE({f.num()}); li a2, -7; {op} x0, a2, 1f; j 2f")
        f.raw(f"1:  {'nop' if t=='TAKEN' else 'j hv_fail'}; j 3f")
        f.raw(f"2:  {'j hv_fail' if t=='TAKEN' else 'nop'}")
        f.raw("3:")
        f.c("no side effects: the branch writes no register")
        f.raw(f"  TEST_CASE({f.num()}); li a1, 1; li a2, 2; li a3, 3; {op} a1, a2, 1f; 1: {op} a2, a1, 2f; 2: CHECK_EQ(a1, 1); CHECK_EQ(a2, 2); CHECK_EQ(a3, 3)")
    emit(op,f'{op.upper()}: taken and not taken, forward and backward',b)

# ---- loads
data=bytes.fromhex('11'+'22'+'33'+'44'+'55'+'66'+'77'+'88') + bytes.fromhex('0180ff7fff00ff80') + bytes.fromhex('efbeaddefecaafbe') + bytes.fromhex('00000080ffffff7f')
def rd(off,n,signed):
    v=int.from_bytes(data[off:off+n],'little')
    if signed and v>>(8*n-1): v-=1<<(8*n)
    return v&M
datastr = "  .balign 8\n  .dword 0x0\nld_data:\n" + "".join("  .byte "+", ".join("0x%02x"%b for b in data[i:i+8])+"\n" for i in range(0,len(data),8)) + "ld_end:\n  .dword 0x0\n"
lds={'lb':(1,1),'lbu':(1,0),'lh':(2,1),'lhu':(2,0),'lw':(4,1),'lwu':(4,0),'ld':(8,1)}
titles={'lb':'LB: byte load, sign-extended, every byte lane','lbu':'LBU: byte load, zero-extended, every byte lane',
 'lh':'LH: halfword load, sign-extended','lhu':'LHU: halfword load, zero-extended','lw':'LW: word load, sign-extended',
 'lwu':'LWU: word load, zero-extended','ld':'LD: doubleword load'}
for op,(n,sg) in lds.items():
    def b(f,op=op,n=n,sg=sg):
        for off in range(0,len(data),n):
            f.raw(f"  TEST_LD({f.num()}, {op}, {h(rd(off,n,sg))}, {off}, ld_data)")
        f.c("negative offsets from a base past the data")
        for off in range(len(data)-n, -1, -3*n)[:4]:
            f.raw(f"  TEST_LD({f.num()}, {op}, {h(rd(off,n,sg))}, {off-len(data)}, ld_end)")
        f.c("base register is also the destination")
        f.raw(f"  TEST_CASE({f.num()}); la a4, ld_data; {op} a4, {8+n}(a4); CHECK_EQ(a4, {h(rd(8+n,n,sg))})")
        f.c("load to x0 is discarded")
        f.raw(f"  TEST_CASE({f.num()}); la a1, ld_data; {op} x0, 8(a1); mv a4, x0; CHECK_EQ(a4, 0)")
        f.c("12-bit offset extremes (base adjusted so that the address is ld_data+8)")
        f.raw(f"  TEST_CASE({f.num()}); la a1, ld_data; addi a1, a1, -2039; {op} a4, 2047(a1); CHECK_EQ(a4, {h(rd(8,n,sg))})")
        f.raw(f"  TEST_CASE({f.num()}); la a1, ld_data; addi a1, a1, 1024; addi a1, a1, 1032; {op} a4, -2048(a1); CHECK_EQ(a4, {h(rd(8,n,sg))})")
    emit(op,titles[op],b,datastr)

# ---- stores: byte lanes within a doubleword must be preserved
sts={'sb':(1,'lb','lbu'),'sh':(2,'lh','lhu'),'sw':(4,'lw','lwu'),'sd':(8,'ld','ld')}
for op,(n,lds_,ldu) in sts.items():
    def b(f,op=op,n=n,lds_=lds_,ldu=ldu):
        buf=bytearray(b'\x5a'*32)
        vals=[0x0123456789abcdef,0xfedcba9876543210,0xffffffffffffff80,0x7f,0x8000,0x80000000,0xa5a5a5a5a5a5a5a5,0]
        f.c("store, load back with the sign- and zero-extending loads, check the whole doubleword (byte lanes)")
        i=0
        for off in range(0,16,n):
            v=vals[i%len(vals)]; i+=1
            buf[off:off+n]=(v&((1<<(8*n))-1)).to_bytes(n,'little')
            dw=off//8*8
            exp_s=rd_(buf,off,n,1); exp_u=rd_(buf,off,n,0); dwv=int.from_bytes(buf[dw:dw+8],'little')
            f.raw(f"  TEST_CASE({f.num()}); la a1, st_buf; li a2, {h(v)}; {op} a2, {off}(a1); {lds_} a4, {off}(a1); CHECK_EQ(a4, {h(exp_s)}); {ldu} a4, {off}(a1); CHECK_EQ(a4, {h(exp_u)}); ld a4, {dw}(a1); CHECK_EQ(a4, {h(dwv)})")
        f.c("negative offsets")
        for off in range(16,32,2*n):
            v=vals[i%len(vals)]; i+=1
            buf[off:off+n]=(v&((1<<(8*n))-1)).to_bytes(n,'little')
            dw=off//8*8; dwv=int.from_bytes(buf[dw:dw+8],'little')
            f.raw(f"  TEST_CASE({f.num()}); la a1, st_buf_end; li a2, {h(v)}; {op} a2, {off-32}(a1); ld a4, {dw-32}(a1); CHECK_EQ(a4, {h(dwv)})")
        f.c("the other doublewords of the buffer are untouched")
        for dw in range(0,32,8):
            f.raw(f"  TEST_CASE({f.num()}); la a1, st_buf; ld a4, {dw}(a1); CHECK_EQ(a4, {h(int.from_bytes(buf[dw:dw+8],'little'))})")
        f.c("the guard doublewords around the buffer are untouched")
        f.raw(f"  TEST_CASE({f.num()}); la a1, st_buf; ld a4, -8(a1); CHECK_EQ(a4, 0x5a5a5a5a5a5a5a5a); ld a4, 32(a1); CHECK_EQ(a4, 0x5a5a5a5a5a5a5a5a)")
        f.c("store of x0 stores zero; base == source register")
        f.raw(f"  TEST_CASE({f.num()}); la a1, st_buf; {op} x0, 0(a1); {ldu} a4, 0(a1); CHECK_EQ(a4, 0)")
        f.raw(f"  TEST_CASE({f.num()}); la a1, st_buf2; {op} a1, 0(a1); la a2, st_buf2; {ldu} a4, 0(a2); slli t2, a2, {64-8*n}; srli t2, t2, {64-8*n}; CHECK_REG(a4, t2)")
    emit(op,f'{op.upper()}: store, byte lanes, sign/zero extension on load-back',b,
      "  .balign 8\n  .dword 0x5a5a5a5a5a5a5a5a\nst_buf:\n  .fill 32, 1, 0x5a\nst_buf_end:\n  .dword 0x5a5a5a5a5a5a5a5a\nst_buf2:\n  .dword 0\n")
for k,v in tot.items(): print(k,v)
print('total',sum(tot.values()))
