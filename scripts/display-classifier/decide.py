import json,math
from feats import feats,words_in,FW
import os
D=json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)),'../../models/techniques/display.json')))
C=D['classifier']
def prob(text,tech,s,e,score):
    st,x=feats(text,tech,s,e,score)
    z=C['intercept']+sum(a*b for a,b in zip(x[1:],C['weights']))
    lw={text[a:b].lower() for a,b in words_in(text,s,e)}
    z+=sum(C['words'].get(w,0) for w in lw if w not in FW and not w.isdigit())
    return st,1/(1+math.exp(-z))
def decide(text,tech,s,e,score,p_reporting=0.0):
    # p_reporting: the genre head's score for `reporting` (0 when the article has no genre).
    st,p=prob(text,tech,s,e,score)
    d=D['techniques'].get(tech)
    th=min(1.0,d['threshold']+D.get('reporting_raise',0.0)*p_reporting) if d else 1.0
    if st: return st,p
    if d is None: return 'technique',p
    # The model's span score a shown span needs as well (display.json min_score).
    return (None if p>=th and score>=D.get('min_score',0.0) else 'low_confidence'),p
