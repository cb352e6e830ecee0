# Per-technique CV precision of the settings in cvres.pkl (written by train.py): genuine/shown at
# each probability threshold, mean of the seeds. A technique is enabled only where it reaches 0.55.
import os,pickle
import numpy as np
from train import T,y
res=pickle.load(open(os.path.join(os.environ.get('WORK','.'),'cvres.pkl'),'rb'))
for cfg in [(2,30,1)]:
    Ps=res[cfg]
    print('min articles, L2, word L2 =',cfg)
    for tech in sorted(set(T)):
        m=T==tech
        line=[]
        for th in [0.4,0.45,0.5,0.55,0.6,0.65,0.7]:
            n=np.mean([((P>=th)&m).sum() for P in Ps]); g=np.mean([y[(P>=th)&m].sum() for P in Ps])
            line.append('%.2f:%.0f/%.0f'%(th,g,n))
        print('  %-28s'%tech[:28],int(m.sum()),int(y[m].sum()),' '.join(line))
