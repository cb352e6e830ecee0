#!/usr/bin/env python3
"""A frame head over USE multilingual article vectors (issue 14 lead, stop 22; not shipped).

Reads the article vectors `news_samples` writes with USE_VECTORS=1 (sources `semeval` and
`semeval-ml`, see models/README "USE in the genre head") and the subtask-2 frame labels of
../shared/data/semeval2023/{en,fr,ge,it,po,ru}; scores a one-vs-rest logistic regression by
5-fold CV on the English articles, trained on the English training folds plus the other
languages' articles at loss weight `ml`. Prints micro-F1 at the best threshold (chosen on the
scored folds: optimistic) and at 0.3 (the shipped frame threshold).

    python3 scripts/frames/use_frames.py WORK_DIR   # WORK_DIR holds use-semeval*.json
Needs numpy and scikit-learn.
"""
import sys
import json, numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
import os
W = sys.argv[1] if len(sys.argv) > 1 else '/work/genre-work'
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data/semeval2023')
def labels(lang):
    m={}
    for line in open(f'{D}/{lang}/train-labels-subtask-2.txt'):
        p=line.rstrip('\n').split('\t')
        if len(p)>=2: m[p[0]]=[x for x in p[1].split(',') if x]
    return m
en=json.load(open(f'{W}/use-semeval.json')); ml=json.load(open(f'{W}/use-semeval-ml.json'))
L={}
for lang in ['en','fr','ge','it','po','ru']: L[lang]=labels(lang)
frames=sorted({f for m in L.values() for v in m.values() for f in v})
def rows(items, lang=None):
    X=[];Y=[]
    for it in items:
        i=it['id']; lg='en'
        if ':' in i: lg,i=i.split(':',1)
        y=L[lg].get(i)
        if y is None: continue
        X.append(it['dense']); Y.append([f in y for f in frames])
    return np.array(X),np.array(Y)
Xe,Ye=rows(en); Xm,Ym=rows(ml)
print(Xe.shape, Xm.shape, len(frames))
def micro(Y,P):
    tp=(Y&P).sum(); fp=(~Y&P).sum(); fn=(Y&~P).sum()
    return 2*tp/(2*tp+fp+fn)
for C in [0.3,1,3]:
  for wml in [0,0.5,1]:
    probs=np.zeros(Ye.shape)
    for tr,te in KFold(5,shuffle=True,random_state=0).split(Xe):
        X=np.vstack([Xe[tr]]+([Xm] if wml>0 else [])); Y=np.vstack([Ye[tr]]+([Ym] if wml>0 else []))
        w=np.concatenate([np.ones(len(tr))]+([np.full(len(Xm),wml)] if wml>0 else []))
        for j in range(len(frames)):
            if Y[:,j].all() or not Y[:,j].any(): probs[te,j]=Y[:,j].mean(); continue
            c=LogisticRegression(C=C,max_iter=2000); c.fit(X,Y[:,j],sample_weight=w); probs[te,j]=c.predict_proba(Xe[te])[:,1]
    best=max((micro(Ye,probs>=t),t) for t in np.arange(0.1,0.7,0.05))
    print(f'C {C} ml {wml}: micro-F1 {best[0]:.3f} at {best[1]:.2f}; at 0.3 {micro(Ye,probs>=0.3):.3f}')
