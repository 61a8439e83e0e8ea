# Generates tests/isa/src/rv64m/*.S.
import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *
tot={}
MAXP=0x7fffffffffffffff; MINN=0x8000000000000000
def emit(name,title,pairs):
    f=F(f"{ROOT}/rv64m/{name}.S",title)
    for a,b in pairs: f.RR(name,a,b)
    f.c("register aliasing and x0")
    f.RR(name,-13,3,'s1'); f.RR(name,-14,-3,'s2'); f.RR(name,0x12345,0,'s12'); f.RR(name,0,7,'z1'); f.RR(name,-7,0,'z2'); f.RR(name,100,7,'zd')
    tot[name]=f.write()
mulp=[(0,0),(1,1),(3,7),(-1,1),(-1,-1),(MAXP,MAXP),(MINN,MINN),(MINN,-1),(MAXP,-1),(MINN,2),(0x0123456789abcdef,0xfedcba9876543210),
      (0xffffffff,0xffffffff),(0x100000000,0x100000000),(-2,3),(2,-3),(0xaaaaaaaaaaaaaaab,0x0002fe7d),(0x0002fe7d,0xaaaaaaaaaaaaaaab),
      (0x7fffffff,0x80000000),(-1,MINN),(0xffffffff80000000,0xffffffff80000000)]
emit('mul','MUL: low 64 bits of the product',mulp)
emit('mulh','MULH: high 64 bits of signed x signed',mulp)
emit('mulhsu','MULHSU: high 64 bits of signed rs1 x unsigned rs2',mulp)
emit('mulhu','MULHU: high 64 bits of unsigned x unsigned',mulp)
wp=[(0,0),(1,1),(3,7),(-1,1),(-1,-1),(0x7fffffff,0x7fffffff),(0x80000000,0x80000000),(0x80000000,-1),(0x7fffffff,2),
    (0x123456789abcdef0,0x0fedcba987654321),(0xffffffff00000003,0x0000000500000007),(0x10000,0x10000),(0x8000,0x10000),(-2,3),
    (0xaaaaaaaa00000000,0x5555555500000000)]
emit('mulw','MULW: low 32 bits of the product, sign-extended; upper input bits ignored',wp)
dp=[(20,6),(-20,6),(20,-6),(-20,-6),(MINN,1),(MINN,-1),(MINN,0),(1,0),(0,0),(-1,0),(MAXP,0),(0,1),(7,7),(MAXP,-1),(MINN,MINN),(MAXP,MINN),
    (MINN,MAXP),(-1,-1),(-1,2),(1,-1),(0x0123456789abcdef,0x1000),(0xfedcba9876543210,0x1000),(5,MINN),(0xffffffff,0x100000000)]
emit('div','DIV: signed, rounds toward zero; x/0 = -1; INT64_MIN/-1 = INT64_MIN (no trap)',dp)
emit('divu','DIVU: unsigned; x/0 = 2^64-1 (all ones)',dp)
emit('rem','REM: sign of the dividend; x%0 = x; INT64_MIN % -1 = 0',dp)
emit('remu','REMU: unsigned; x%0 = x',dp)
dwp=[(20,6),(-20,6),(20,-6),(-20,-6),(0x80000000,1),(0x80000000,-1),(0x80000000,0),(1,0),(0,0),(-1,0),(0x7fffffff,0),(7,7),(0x7fffffff,-1),
     (0xffffffff80000000,0xffffffffffffffff),(0x12345678ffffffec,0x9abcdef000000006),(0xfffffffe,2),(0xffffffff,0xffffffff),(0x00000001fffffff0,0x0000000100000003),
     (0x100000000,0x100000000),(0x7fffffff,0x80000000),(0x5,0x80000000),(0xaaaaaaaa00000009,0)]
emit('divw','DIVW: signed 32-bit, result sign-extended; x/0 = -1; INT32_MIN/-1 = INT32_MIN',dwp)
emit('divuw','DIVUW: unsigned 32-bit, result sign-extended; x/0 = all ones',dwp)
emit('remw','REMW: signed 32-bit remainder, sign-extended; x%0 = sext(x[31:0]); INT32_MIN % -1 = 0',dwp)
emit('remuw','REMUW: unsigned 32-bit remainder, sign-extended; x%0 = sext(x[31:0])',dwp)
for k,v in tot.items(): print(k,v)
print('total',sum(tot.values()))
