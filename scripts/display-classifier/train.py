import pickle,numpy as np,collections,random,sys,json,math
from feats import feats,NAMES,GROUPS,words_in,FW
import os
# rows.pkl: one dict per labelled span of highlight_labels.tsv (batch, sha, s, e, tech, score, g, text)
rows=pickle.load(open(os.path.join(os.environ.get('WORK','.'),'rows.pkl'),'rb'))
keep=[];X=[]
for r in rows:
    st,x=feats(r['text'],r['tech'],r['s'],r['e'],r['score'])
    r['st']=st
    if st: continue
    keep.append(r);X.append(x)
X=np.array(X);y=np.array([r['g'] for r in keep],float);grp=[r['sha'] for r in keep];T=np.array([r['tech'] for r in keep])
print(len(rows),'labels',len(keep),'pass; genuine',int(y.sum()))
print(collections.Counter((r['st'],r['g']) for r in rows if r['st']))
arts=sorted(set(grp))
spanw=[]
for r in keep:
    lw={r['text'][a:b].lower() for a,b in words_in(r['text'],r['s'],r['e'])}
    spanw.append({w for w in lw if w not in FW and not w.isdigit()})
def vocab_of(idx,minart):
    wa=collections.defaultdict(set)
    for i in idx:
        for w in spanw[i]: wa[w].add(grp[i])
    return sorted(w for w,s in wa.items() if len(s)>=minart)
def bag(vocab):
    vi={w:i for i,w in enumerate(vocab)}; B=np.zeros((len(keep),len(vocab)))
    for i,lw in enumerate(spanw):
        for w in lw:
            if w in vi: B[i,vi[w]]=1
    return B
def fit(X,y,R):
    b=np.zeros(X.shape[1])
    for _ in range(60):
        p=1/(1+np.exp(-X@b)); W=p*(1-p)
        H=X.T@(X*W[:,None])+R; g=X.T@(p-y)+R@b
        step=np.linalg.solve(H,g); b-=step
        if np.abs(step).max()<1e-8: break
    return b
def design(idx_tr,minart):
    mu=X[idx_tr,1:].mean(0); sd=X[idx_tr,1:].std(0)+1e-6
    Z=X.copy(); Z[:,1:]=(X[:,1:]-mu)/sd
    voc=vocab_of(idx_tr,minart) if minart else []
    return np.hstack([Z,bag(voc)]),mu,sd,voc
def cvp(lam,lamb,minart,seed,folds=10):
    r=random.Random(seed); a=arts[:]; r.shuffle(a); f={x:i%folds for i,x in enumerate(a)}
    fi=np.array([f[g] for g in grp]); P=np.zeros(len(y))
    for k in range(folds):
        tr=np.where(fi!=k)[0]; te=fi==k
        D,_,_,voc=design(tr,minart); nd=X.shape[1]
        R=np.diag([0.0]+[lam]*(nd-1)+[lamb]*len(voc))
        b=fit(D[tr],y[tr],R); P[te]=1/(1+np.exp(-D[te]@b))
    return P
def ll(P): return -np.mean(y*np.log(P+1e-9)+(1-y)*np.log(1-P+1e-9))
if __name__=='__main__':
    res={}
    for minart in [0,2,3]:
        for lam in [10,30,100]:
            for lamb in ([1,3] if minart else [1]):
                Ps=[cvp(lam,lamb,minart,s) for s in range(3)]
                res[(minart,lam,lamb)]=Ps
                line=[]
                for th in [0.5,0.55,0.6,0.65]:
                    n=np.mean([(P>=th).sum() for P in Ps]); g=np.mean([y[P>=th].sum() for P in Ps])
                    line.append('%.2f:%d/%.3f'%(th,n,g/max(n,1)))
                print(minart,lam,lamb,'ll %.4f'%np.mean([ll(P) for P in Ps]),' '.join(line),flush=True)
    pickle.dump(res,open(os.path.join(os.environ.get('WORK','.'),'cvres.pkl'),'wb'))
