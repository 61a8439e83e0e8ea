# IEEE 754 binary32/binary64 reference model for the FP test generator: exact rational
# arithmetic, the five RISC-V rounding modes, fflags (tininess after rounding), RISC-V NaN rules
# (canonical NaN results, fmin/fmax, fcvt saturation, NV for inf*0 in FMA even with a qNaN addend).
# IEEE 754 binary32/binary64 reference model (exact rational arithmetic) with RISC-V NaN rules.
from fractions import Fraction as Fr
from math import isqrt
NX,UF,OF,DZ,NV=1,2,4,8,16
RNE,RTZ,RDN,RUP,RMM=0,1,2,3,4
RMN=['rne','rtz','rdn','rup','rmm']
class Fmt:
    def __init__(s,e,m):
        s.e=e; s.m=m; s.bias=(1<<(e-1))-1; s.emin=1-s.bias; s.emax=s.bias; s.w=1+e+m
        s.qnan=((1<<e)-1)<<m | (1<<(m-1))
        s.maxf=Fr(2)**s.emax*(2-Fr(1,2**m))
S=Fmt(8,23); D=Fmt(11,52)
def cls(F,b):
    sign=b>>(F.w-1); ex=(b>>F.m)&((1<<F.e)-1); man=b&((1<<F.m)-1)
    if ex==(1<<F.e)-1:
        if man==0: return ('inf',sign,None)
        return ('snan' if not (man>>(F.m-1)) else 'qnan',sign,None)
    if ex==0:
        if man==0: return ('zero',sign,Fr(0))
        return ('sub',sign,Fr(man)*Fr(2)**(F.emin-F.m))
    return ('norm',sign,(Fr(man)+2**F.m)*Fr(2)**(ex-F.bias-F.m))
def val(F,b):
    c,s,v=cls(F,b)
    if c=='inf': return float('-inf') if s else float('inf')
    return -v if s else v
def isnan(F,b): return cls(F,b)[0] in ('snan','qnan')
def issnan(F,b): return cls(F,b)[0]=='snan'
def inf(F,s): return (s<<(F.w-1))|(((1<<F.e)-1)<<F.m)
def zero(F,s): return s<<(F.w-1)
def maxb(F,s): return (s<<(F.w-1))|((((1<<F.e)-2))<<F.m)|((1<<F.m)-1)
def ilog2(x):  # floor(log2(x)) for Fraction x>0
    e=x.numerator.bit_length()-x.denominator.bit_length()
    if Fr(2)**e>x: e-=1
    if Fr(2)**(e+1)<=x: e+=1
    return e
def rnd_int(q,sign,rm):
    # q: nonneg Fraction; returns rounded nonneg integer, inexact
    n=q.numerator//q.denominator; r=q-n
    if r==0: return n,False
    up={RNE: r>Fr(1,2) or (r==Fr(1,2) and n%2==1), RTZ:False, RDN: sign==1, RUP: sign==0, RMM: r>=Fr(1,2)}[rm]
    return n+(1 if up else 0),True
def encode(F,sign,v):
    # v exactly representable, >0
    if v>=Fr(2)**F.emin:
        e=ilog2(v); man=v/Fr(2)**(e-F.m); assert man.denominator==1
        return (sign<<(F.w-1))|((e+F.bias)<<F.m)|(int(man)-(1<<F.m))
    man=v/Fr(2)**(F.emin-F.m); assert man.denominator==1 and man< 2**F.m
    return (sign<<(F.w-1))|int(man)
def round_fmt(F,x,rm):
    """x: nonzero Fraction. returns bits, flags"""
    sign=1 if x<0 else 0; a=abs(x)
    e=ilog2(a)
    # unbounded exponent rounding (for tininess and overflow)
    qu=Fr(2)**(e-F.m); nu,inx_u=rnd_int(a/qu,sign,rm); vu=nu*qu
    if vu>F.maxf:
        fl=OF|NX
        toinf={RNE:True,RMM:True,RTZ:False,RDN:sign==1,RUP:sign==0}[rm]
        return (inf(F,sign) if toinf else maxb(F,sign)),fl
    tiny = vu < Fr(2)**F.emin
    ee=max(e,F.emin)
    q=Fr(2)**(ee-F.m); n,inx=rnd_int(a/q,sign,rm); v=n*q
    fl=(NX if inx else 0)|(UF if (tiny and inx) else 0)
    if v==0: return zero(F,sign),fl
    return encode(F,sign,v),fl
def result(F,x,rm,zsign):
    if x==0: return zero(F,zsign),0
    return round_fmt(F,x,rm)
def nanres(F,*ops):
    return F.qnan,(NV if any(issnan(F,o) for o in ops) else 0)
def add(F,a,b,rm,negb=False):
    if negb: b^=1<<(F.w-1)
    if isnan(F,a) or isnan(F,b):
        return F.qnan,(NV if (issnan(F,a) or issnan(F,b)) else 0)
    ca,sa,_=cls(F,a); cb,sb,_=cls(F,b)
    if ca=='inf' and cb=='inf':
        return (inf(F,sa),0) if sa==sb else (F.qnan,NV)
    if ca=='inf': return inf(F,sa),0
    if cb=='inf': return inf(F,sb),0
    x=val(F,a)+val(F,b)
    if x==0:
        if ca=='zero' and cb=='zero' and sa==sb: zs=sa
        else: zs=1 if rm==RDN else 0
        return zero(F,zs),0
    return round_fmt(F,x,rm)
def sub(F,a,b,rm): 
    if isnan(F,b): return add(F,a,b,rm)
    return add(F,a,b,rm,negb=True)
def mul(F,a,b,rm):
    if isnan(F,a) or isnan(F,b): return nanres(F,a,b)
    ca,sa,_=cls(F,a); cb,sb,_=cls(F,b); s=sa^sb
    if (ca=='inf' and cb=='zero') or (cb=='inf' and ca=='zero'): return F.qnan,NV
    if ca=='inf' or cb=='inf': return inf(F,s),0
    return result(F,val(F,a)*val(F,b),rm,s)
def div(F,a,b,rm):
    if isnan(F,a) or isnan(F,b): return nanres(F,a,b)
    ca,sa,_=cls(F,a); cb,sb,_=cls(F,b); s=sa^sb
    if ca=='inf' and cb=='inf': return F.qnan,NV
    if ca=='zero' and cb=='zero': return F.qnan,NV
    if ca=='inf': return inf(F,s),0
    if cb=='inf': return zero(F,s),0
    if cb=='zero': return inf(F,s),DZ
    return result(F,val(F,a)/val(F,b),rm,s)
def sqrt(F,a,rm):
    if isnan(F,a): return nanres(F,a)
    ca,sa,v=cls(F,a)
    if ca=='zero': return a,0
    if sa: return F.qnan,NV
    if ca=='inf': return a,0
    k=1200
    N=v*Fr(2)**(2*k); assert N.denominator==1; N=int(N)
    s=isqrt(N)
    if s*s==N: x=Fr(s,2**k)
    else: x=(Fr(s)+Fr(1,2))/2**k
    return round_fmt(F,x,rm)
def fma(F,a,b,c,rm,negp=False,negc=False):
    if isnan(F,a) or isnan(F,b) or isnan(F,c):
        ca,_,_=cls(F,a); cb,_,_=cls(F,b)
        nv = any(issnan(F,o) for o in (a,b,c)) or (ca=='inf' and cb=='zero') or (ca=='zero' and cb=='inf')
        return F.qnan,(NV if nv else 0)
    ca,sa,_=cls(F,a); cb,sb,_=cls(F,b); cc,sc,_=cls(F,c)
    ps=sa^sb^(1 if negp else 0); sc=sc^(1 if negc else 0)
    if (ca=='inf' and cb=='zero') or (ca=='zero' and cb=='inf'): return F.qnan,NV
    if ca=='inf' or cb=='inf':
        if cc=='inf' and sc!=ps: return F.qnan,NV
        return inf(F,ps),0
    if cc=='inf': return inf(F,sc),0
    p=val(F,a)*val(F,b)*(-1 if negp else 1); cv=val(F,c)*(-1 if negc else 1)
    x=p+cv
    if x==0:
        pz = (p==0)
        if pz and cc=='zero' and ps==sc: zs=ps
        else: zs=1 if rm==RDN else 0
        return zero(F,zs),0
    return round_fmt(F,x,rm)
def fmadd(F,a,b,c,rm): return fma(F,a,b,c,rm)
def fmsub(F,a,b,c,rm): return fma(F,a,b,c,rm,negc=True)
def fnmsub(F,a,b,c,rm): return fma(F,a,b,c,rm,negp=True)
def fnmadd(F,a,b,c,rm): return fma(F,a,b,c,rm,negp=True,negc=True)
def minmax(F,a,b,ismax):
    fl=NV if (issnan(F,a) or issnan(F,b)) else 0
    na,nb=isnan(F,a),isnan(F,b)
    if na and nb: return F.qnan,fl
    if na: return b,fl
    if nb: return a,fl
    va,vb=val(F,a),val(F,b)
    if va==vb:  # zeros of different sign or equal values
        sa=a>>(F.w-1); sb=b>>(F.w-1)
        if ismax: return (a if sa==0 else b),fl
        return (a if sa==1 else b),fl
    if ismax: return (a if va>vb else b),fl
    return (a if va<vb else b),fl
def cmp(F,a,b,op):
    if isnan(F,a) or isnan(F,b):
        if op=='eq': return 0,(NV if (issnan(F,a) or issnan(F,b)) else 0)
        return 0,NV
    va,vb=val(F,a),val(F,b)
    return int({'eq':va==vb,'lt':va<vb,'le':va<=vb}[op]),0
def fclass(F,a):
    c,s,_=cls(F,a)
    m={'inf':(7,0),'norm':(6,1),'sub':(5,2),'zero':(4,3)}
    if c=='snan': return 1<<8
    if c=='qnan': return 1<<9
    return 1<<(m[c][1] if s else m[c][0])
def toint(F,a,rm,bits,signed):
    lo,hi=(-(1<<(bits-1)),(1<<(bits-1))-1) if signed else (0,(1<<bits)-1)
    if isnan(F,a): return hi,NV
    c,s,v=cls(F,a)
    if c=='inf': return (lo if s else hi),NV
    x=-v if s else v
    n,inx=rnd_int(abs(x),s,rm); n=-n if s else n
    if n<lo: return lo,NV
    if n>hi: return hi,NV
    return n,(NX if inx else 0)
def fromint(F,i,rm):
    if i==0: return zero(F,0),0
    return round_fmt(F,Fr(i),rm)
def cvt(Fd,Fs,a,rm):
    if isnan(Fs,a): return Fd.qnan,(NV if issnan(Fs,a) else 0)
    c,s,v=cls(Fs,a)
    if c=='inf': return inf(Fd,s),0
    if c=='zero': return zero(Fd,s),0
    return round_fmt(Fd,-v if s else v,rm)
import struct
def fs(x): return struct.unpack('<I',struct.pack('<f',x))[0]
def fd(x): return struct.unpack('<Q',struct.pack('<d',x))[0]

class Bits(int): pass
