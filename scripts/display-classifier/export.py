from train import *
MIN,LAM,LAMB=2,30.0,1.0
idx=np.arange(len(keep))
D,mu,sd,voc=design(idx,MIN); nd=X.shape[1]
R=np.diag([0.0]+[LAM]*(nd-1)+[LAMB]*len(voc))
b=fit(D,y,R)
# fold standardisation into the weights: w_j/sd_j, bias - sum w_j mu_j/sd_j
w=b[:nd].copy(); wf=np.zeros(nd); wf[1:]=w[1:]/sd; wf[0]=w[0]-np.sum(w[1:]*mu/sd)
P=1/(1+np.exp(-D@b)); print('train logloss %.4f'%ll(P))
words={v:round(float(b[nd+i]),4) for i,v in enumerate(voc) if abs(b[nd+i])>=0.005}
print('vocab',len(voc),'kept',len(words))
top=sorted(words.items(),key=lambda x:x[1]); print(top[:15]); print(top[-15:])
BIAS=json.load(open(os.path.join(os.environ.get('WORK','.'),'bias_words.json')))
clf={"features":NAMES[1:],"intercept":round(float(wf[0]),6),"weights":[round(float(v),6) for v in wf[1:]],
     "groups":GROUPS,"words":words,"bias_words":BIAS,"bias_pseudo_count":4.0,"prior_pseudo_count":8.0}
json.dump(clf,open(os.path.join(os.environ.get('WORK','.'),'classifier.json'),'w'),sort_keys=True)
# check: recompute with folded weights
Pf=1/(1+np.exp(-(X@wf + np.array([sum(words.get(w,0) for w in s) for s in spanw]))))
print('max diff folded',np.abs(Pf-P).max())

