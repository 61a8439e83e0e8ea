# Generates tests/isa/src/rv64i/{add,sub,and,or,xor,sll,srl,sra,*w,slt*,*i,*iw}.S.
import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intgen import *
tot={}
def emit(name,title,build):
    f=F(f"{ROOT}/rv64i/{name}.S",title); build(f); tot[name]=f.write()

MAXP=0x7fffffffffffffff; MINN=0x8000000000000000
def arith_pairs(op):
    P=[(0,0),(1,1),(3,7),(0,-1),(-1,-1),(-1,1),(MAXP,1),(MINN,-1),(MINN,MINN),(MAXP,MAXP),(0x7fffffff,1),(0xffffffff,1),
       (0x80000000,0x80000000),(0x0123456789abcdef,0xfedcba9876543210),(0xffffffff80000000,0x7fffffff)]
    return P
def std_variants(f,op,a=13,b=11):
    f.c("register aliasing and x0"); f.RR(op,a,b,'s1'); f.RR(op,14,b,'s2'); f.RR(op,a,0,'s12')
    f.RR(op,0,0x55,'z1'); f.RR(op,0x66,0,'z2'); f.RR(op,0x1234,0x11,'zd')
def rr_file(op,title,pairs):
    def b(f):
        for a,bb in pairs: f.RR(op,a,bb)
        std_variants(f,op)
    emit(op,title,b)
rr_file('add','ADD: 64-bit add, wrap-around',arith_pairs('add'))
rr_file('sub','SUB: 64-bit subtract, wrap-around',arith_pairs('sub')+[(0,1),(0,MINN),(1,-1)])
logic=[(0xff00ff00ff00ff00,0x0f0f0f0f0f0f0f0f),(0x0ff00ff00ff00ff0,0xf0f0f0f0f0f0f0f0),(0x00ff00ff00ff00ff,0x0f0f0f0f0f0f0f0f),
       (0xf00ff00ff00ff00f,0xf0f0f0f0f0f0f0f0),(0,-1),(-1,-1),(0x5555555555555555,0xaaaaaaaaaaaaaaaa),(0x8000000000000001,0x0000000100000001)]
for op in ['and','or','xor']: rr_file(op,f'{op.upper()}: bitwise {op}',logic)
def shifts(op):
    P=[]
    for a in [0x1,-1,0x8000000000000000,0x21212121a1a1a1a1,0xfedcba9876543210]:
        for sh in [0,1,7,14,31,32,33,63]: P.append((a,sh))
    # only the low 6 bits of rs2 are used
    P+= [(0x21212121a1a1a1a1,0xffffffffffffffc0),(0x21212121a1a1a1a1,0xffffffffffffffc1),(0x21212121a1a1a1a1,0xffffffffffffffe0|7),
         (0x21212121a1a1a1a1,0x40),(0x21212121a1a1a1a1,0x7f)]
    return P
for op,t in [('sll','SLL: shift left logical, shamt = rs2[5:0] (0, 31, 32, 63 edges)'),('srl','SRL: shift right logical, shamt = rs2[5:0]'),('sra','SRA: shift right arithmetic, shamt = rs2[5:0]')]:
    rr_file(op,t,shifts(op))
def wshifts():
    P=[]
    for a in [0x1,0xffffffff,0x80000000,0x21212121a1a1a1a1,0xffffffff12345678,0x123456787ffffff0]:
        for sh in [0,1,7,14,31]: P.append((a,sh))
    P+=[(0x21212121a1a1a1a1,0x20),(0x21212121a1a1a1a1,0x21),(0x21212121a1a1a1a1,0xffffffffffffffe1),(0x21212121a1a1a1a1,0x3f)]
    return P
for op,t in [('sllw','SLLW: 32-bit shift left, shamt = rs2[4:0], result sign-extended'),('srlw','SRLW: 32-bit logical right shift of rs1[31:0], result sign-extended'),('sraw','SRAW: 32-bit arithmetic right shift, result sign-extended')]:
    rr_file(op,t,wshifts())
wpairs=[(0,0),(1,1),(3,7),(0x7fffffff,1),(0x80000000,-1),(0xffffffff,1),(0x00000000ffffffff,0x00000000ffffffff),
        (0x123456789abcdef0,0x0fedcba987654321),(0xffffffff00000000,0x0000000100000000),(0x7fffffff,0x7fffffff),
        (0x80000000,0x80000000),(0xaaaaaaaa00000001,0x5555555500000002),(-1,-1),(0xfffffffff0000000,0x10000000)]
rr_file('addw','ADDW: 32-bit add of the low words, result sign-extended, upper input bits ignored',wpairs)
rr_file('subw','SUBW: 32-bit subtract of the low words, result sign-extended',wpairs+[(0,1),(0x80000000,1)])
cmp=[(0,0),(0,1),(1,0),(-1,0),(0,-1),(-1,-1),(MINN,MAXP),(MAXP,MINN),(MINN,0),(0,MINN),(-2,-1),(-1,-2),
     (0x7fffffff,0x80000000),(0xffffffff,0x100000000),(0xffffffff80000000,0x80000000)]
rr_file('slt','SLT: signed 64-bit compare',cmp)
rr_file('sltu','SLTU: unsigned 64-bit compare (incl. SNEZ form rs1=x0)',cmp)

def imm_file(op,title,cases,var=None):
    def b(f):
        for a,i in cases: f.IMM(op,a,i)
        f.c("register aliasing and x0")
        va,vi=var or (13,11)
        f.IMM(op,va,vi,'s1'); f.IMM(op,va,vi,'z1'); f.IMM(op,va,vi,'zd')
    emit(op,title,b)
I12=[0,1,-1,2047,-2048,0x7ff,-0x800]
imm_file('addi','ADDI: 12-bit sign-extended immediate, wrap-around (incl. MV/NOP forms)',
  [(0,0),(1,1),(3,7),(0,-2048),(0,2047),(MAXP,1),(MINN,-1),(-1,1),(0x7fffffff,1),(0xffffffff,1),(0x80000000,-1),(MINN,-2048),(MAXP,2047),(0x123456789,0)])
limm=[(0xff00ff00ff00ff00,0x70f),(0x0ff00ff00ff00ff0,-241),(0x00ff00ff00ff00ff,0x0f0),(0xf00ff00ff00ff00f,-1),(0x123456789abcdef0,0),(0x123456789abcdef0,-2048),(0x123456789abcdef0,2047),(-1,0x555)]
imm_file('andi','ANDI: immediate sign-extended to 64 bits',limm)
imm_file('ori','ORI: immediate sign-extended to 64 bits',limm)
imm_file('xori','XORI: immediate sign-extended to 64 bits (incl. NOT form xori -1)',limm)
icmp=[(0,0),(0,1),(1,0),(-1,0),(0,-1),(-1,-1),(MINN,2047),(MAXP,-2048),(2047,2047),(2046,2047),(-2048,-2048),(-2049,-2048),(0x7fffffffffffffff,-1),(5,-5)]
imm_file('slti','SLTI: signed compare with sign-extended immediate',icmp)
imm_file('sltiu','SLTIU: unsigned compare with the sign-extended immediate (incl. SEQZ form imm=1)',icmp+[(0,1),(1,1),(0xfffffffffffff800,-2048),(0xfffffffffffff7ff,-2048)])
sh=[]
for a in [1,-1,0x8000000000000000,0x21212121a1a1a1a1]:
    for s in [0,1,7,14,31,32,33,63]: sh.append((a,s))
imm_file('slli','SLLI: shamt 0..63',sh,(13,7))
imm_file('srli','SRLI: shamt 0..63',sh,(-13,7))
imm_file('srai','SRAI: shamt 0..63',sh,(-1300,7))
shw=[]
for a in [1,0xffffffff,0x80000000,0x21212121a1a1a1a1,0xffffffff12345678,0x123456787ffffff0]:
    for s in [0,1,7,14,31]: shw.append((a,s))
imm_file('slliw','SLLIW: shamt 0..31 of the low word, result sign-extended',shw,(13,7))
imm_file('srliw','SRLIW: logical right shift of the low word, result sign-extended',shw,(-13,7))
imm_file('sraiw','SRAIW: arithmetic right shift of the low word, result sign-extended',shw,(-1300,7))
imm_file('addiw','ADDIW: 32-bit add, result sign-extended (incl. SEXT.W form imm=0)',
  [(0,0),(1,1),(3,7),(0,-2048),(0,2047),(0x7fffffff,1),(0x80000000,-1),(0xffffffff,1),(0x123456789,0),(0xffffffff7fffffff,0),
   (0x00000000deadbeef,0),(0xaaaaaaaa7ffff800,2047),(0x80000000,-2048),(-1,-1)],(0x7fffffff,5))
for k,v in tot.items(): print(k,v)
print('total',sum(tot.values()), 'files',len(tot))
