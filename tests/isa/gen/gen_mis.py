# Generates tests/isa/src/rv64i/misaligned.S.
import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *
f=F(f"{ROOT}/rv64i/misaligned.S","Misaligned loads and stores to RAM must work (hv emulates them): every width at every\n# misalignment, within a doubleword, across a doubleword and across a 4 KiB page boundary.")
data=bytes((0x81+i*0x1d)&0xff for i in range(48))
lds={'lh':(2,1),'lhu':(2,0),'lw':(4,1),'lwu':(4,0),'ld':(8,1)}
f.c("loads (mis_buf + 16 is a page boundary)")
for op,(n,sg) in lds.items():
    offs=[o for o in range(1,8) if o%n] + [16-n+1, 16-1] if n>2 else [1,3,7,15,17]
    for o in offs:
        f.raw(f"  TEST_LD({f.num()}, {op}, {h(rd_(data,o,n,sg))}, {o}, mis_buf)")
buf=bytearray(data)
f.c("stores, checked with aligned doubleword loads (byte lanes around the store are preserved)")
sts={'sh':2,'sw':4,'sd':8}
vals=[0x0123456789abcdef,0xfedcba9876543210,0xa5a5a5a5a5a5a5a5]
i=0
for op,n in sts.items():
    offs=[o for o in range(25,32) if o%n][:4] + ([16-n+1+0, 16-1] if n>2 else [15])
    for o in offs:
        v=vals[i%3]; i+=1
        buf[o:o+n]=(v&((1<<(8*n))-1)).to_bytes(n,'little')
        a=o//8*8; b=(o+n-1)//8*8
        line=f"  TEST_CASE({f.num()}); la a1, mis_buf; li a2, {h(v)}; {op} a2, {o}(a1); ld a4, {a}(a1); CHECK_EQ(a4, {h(int.from_bytes(buf[a:a+8],'little'))})"
        if b!=a: line+=f"; ld a4, {b}(a1); CHECK_EQ(a4, {h(int.from_bytes(buf[b:b+8],'little'))})"
        line+=f"; {'lhu' if n==2 else 'lwu' if n==4 else 'ld'} a4, {o}(a1); CHECK_EQ(a4, {h(v&((1<<(8*n))-1))})"
        f.raw(line)
f.c("the whole buffer afterwards")
for a in range(0,48,8):
    f.raw(f"  TEST_CASE({f.num()}); la a1, mis_buf; ld a4, {a}(a1); CHECK_EQ(a4, {h(int.from_bytes(buf[a:a+8],'little'))})")
n=f.write()
with open(f.path,'a') as fh:
    fh.write("\nTEST_DATA\n  .balign 4096\n  .skip 4096 - 16\nmis_buf:\n"+"".join("  .byte "+", ".join("0x%02x"%b for b in data[i:i+8])+"\n" for i in range(0,48,8)))
print(n)
