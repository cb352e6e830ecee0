# Step 7 (issue 14): how much more a span must score in a report. Out-of-fold probabilities of the
# shipped setting (min articles 2, L2 30, word L2 1; 10 folds by article, 3 seeds, as train.py)
# with each technique's threshold raised by RAISE x P(reporting), P(reporting) being the genre
# head's score for the labelled article. Prints shown spans and their precision, overall, in
# articles the genre head calls reporting, in the others, and for Name_Calling.
#
#   rhetor analyze -f jsonl -o GENRES.jsonl DIR   # DIR: the labelled articles, rebuilt as for rows.py
#   WORK=. python3 raise.py GENRES.jsonl
import sys,os,json,numpy as np
from train import keep,y,T,cvp
pr={};lab={}
for l in open(sys.argv[1]):
    a=json.loads(l)
    sha=a.get('sha256') or os.path.basename(a['source']).rsplit('.',1)[0]
    g=a.get('genre') or {}
    lab[sha]=g.get('label')
    pr[sha]=dict((s['label'],s['score']) for s in g.get('scores',[])).get('reporting',0.0)
miss=sum(1 for r in keep if r['sha'] not in pr)
print('spans without a genre:',miss)
G=np.array([lab.get(r['sha']) for r in keep])
# Straight news by source (BASIL, PolNeAR, FNC-1), whatever the genre head says.
NEWS=np.array([r['src'].split('/')[0] in ('basil','polnear','fnc1') for r in keep])
PR=np.array([pr.get(r['sha'],0.0) for r in keep])
D=json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)),'../../models/techniques/display.json')))
thr=np.array([D['techniques'][t]['threshold'] if t in D['techniques'] else 9.0 for t in T])
Ps=[cvp(30,1,2,s) for s in range(3)]
def rep(name,t):
    out=[]
    for P in Ps:
        sh=P>=t; r=G=='reporting'; nc=T=='Name_Calling-Labeling'
        out.append([f(x) for x in (sh,sh&r,sh&~r,sh&nc,sh&NEWS) for f in (np.sum,lambda m:y[m].sum())])
    o=np.mean(out,0)
    print('%-10s shown %3.0f prec %.3f | called reporting %3.0f prec %.3f | others %3.0f prec %.3f | Name_Calling %3.0f prec %.3f | news sources %3.0f prec %.3f'%(
        name,o[0],o[1]/o[0],o[2],o[3]/max(o[2],1),o[4],o[5]/max(o[4],1),o[6],o[7]/max(o[6],1),o[8],o[9]/max(o[8],1)))
for d in [0,0.05,0.1,0.15,0.2,0.25,0.3]:
    rep('raise %.2f'%d, thr+d*PR)
