import re, glob, statistics as st, math
import os; D=os.path.dirname(os.path.abspath(__file__)) + '/'
vg={}
for f in ['vectorgrad-train-mnist.txt','vectorgrad-train-mnist-seeds9-16.txt']:
    seed=None
    for line in open(D+f):
        m=re.match(r'## seed (\d+)',line)
        if m: seed=int(m.group(1))
        m=re.search(r'"test_accuracy":([0-9.]+)',line)
        if m: vg[seed]=float(m.group(1))
lt={}
for f in ['libtorch-torch-init.txt','libtorch-torch-init-seeds9-16.txt']:
    for line in open(D+f):
        m=re.match(r'seed (\d+)  libtorch_test_accuracy ([0-9.]+)',line)
        if m: lt[int(m.group(1))]=float(m.group(2))
ls={}
import os
for line in [l for f in ['lockstep-vectorgrad-init.txt','lockstep-vectorgrad-init-seeds5-8.txt'] if os.path.exists(D+f) for l in open(D+f)]:
    m=re.match(r'seed (\d+)  libtorch_test_accuracy ([0-9.]+).*vectorgrad_test_accuracy ([0-9.]+)',line)
    if m: ls[int(m.group(1))]=(float(m.group(2)),float(m.group(3)))
print('| seed | vectorgrad (`train mnist`) | libtorch, PyTorch init | libtorch, vectorgrad init + order |')
print('|---:|---:|---:|---:|')
for s in sorted(set(vg)|set(lt), key=lambda s:(s!=42,s)):
    print(f"| {s} | {vg.get(s,float('nan')):.4f} | {lt.get(s,float('nan')):.4f} | {('%.4f' % ls[s][0]) if s in ls else ''} |")
def desc(name,a):
    a=sorted(a); n=len(a); m=st.mean(a); sd=st.stdev(a)
    print(f"{name}: n={n} mean {m:.4f} median {st.median(a):.4f} min {a[0]:.4f} max {a[-1]:.4f} sd {sd:.4f} se {sd/math.sqrt(n):.4f}")
    return m,sd,n
for label,keys in [('seeds 1-16',[s for s in vg if s!=42]),('all incl 42',list(vg))]:
    keys=[k for k in keys if k in lt]
    print('##',label)
    a=desc('vectorgrad',[vg[k] for k in keys]); b=desc('libtorch',[lt[k] for k in keys])
    d=a[0]-b[0]; se=math.sqrt(a[1]**2/a[2]+b[1]**2/b[2])
    print(f"diff vectorgrad - libtorch {d:+.4f}, Welch se {se:.4f}, 95% CI [{d-1.96*se:+.4f}, {d+1.96*se:+.4f}], t {d/se:.2f}")
    print('fraction >= 0.96: vectorgrad %d/%d, libtorch %d/%d' % (sum(vg[k]>=0.96 for k in keys),len(keys),sum(lt[k]>=0.96 for k in keys),len(keys)))
print('## lockstep (same init, same order): libtorch - vectorgrad per seed', {s:round(v[0]-v[1],4) for s,v in ls.items()}, 'mean', round(st.mean(v[0]-v[1] for v in ls.values()),4))
p=0.96; print('binomial se of one accuracy on 2000 digits at p=0.96: %.4f' % math.sqrt(p*(1-p)/2000))
