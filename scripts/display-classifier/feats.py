# Features of the span display classifier; must match display::SpanClassifier::features (Rust).
import json,math,os,re,sys
HERE=os.path.dirname(os.path.abspath(__file__))
MODELS=os.path.join(HERE,'../../models/techniques')
WORK=os.environ.get('WORK','.')
CFG=json.load(open(os.path.join(MODELS,'analyzer.json')))
LEX=CFG['thresholds']['lexicon']['words']
BIAS=json.load(open(os.path.join(WORK,'bias_words.json')))
FW=set("""a about above after again against all also am an and any are as at be been before being below between both but by can could did do does doing down during each either even ever few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just may me might more most much must my myself no nor not now of off on once one only or other our ours ourselves out over own per s said same says shall she should so some such t than that the their theirs them themselves then there these they this those through to too under until up upon us very via was we were what when where whether which while who whom whose why will with would yet you your yours yourself yourselves mr mrs ms dr""".split())
EDGE=set("who whom whose about after against and as at because before but by for from if in into nor of on or than that to upon via when where whether which while with".split())
ENDONLY=set("a an the his her its their our my your".split())
GROUPS=['Loaded_Language','Name_Calling-Labeling','Doubt','Flag_Waving','Exaggeration-Minimisation']
def group(t): return GROUPS.index(t) if t in GROUPS else len(GROUPS)
def words_in(ch,s,e):
    out=[];i=s;e=min(e,len(ch))
    while i<e:
        if ch[i].isalnum():
            j=i
            while j<e and ch[j].isalnum(): j+=1
            out.append((i,j)); i=j
        else: i+=1
    return out
_lw={}
def lower_words(text):
    if text not in _lw:
        _lw[text]={text[s:e].lower() for s,e in words_in(text,0,len(text)) if text[s].islower()}
    return _lw[text]
def structural(text,s,e,ws,lw):
    if not any(w not in FW and not w.isdigit() for w in lw): return 'function_words'
    low=lower_words(text)
    if all(text[a].isupper() and w not in low for (a,_),w in zip(ws,lw)): return 'name'
    isw=lambda i: 0<=i<len(text) and text[i].isalnum()
    cut=(s>0 and isw(s-1) and isw(s)) or (s>0 and not isw(s) and isw(s-1) and ws and ws[0][0]==s+1) or (isw(e) and e>0 and isw(e-1))
    edge=1<len(lw)<=6 and (lw[0] in EDGE or lw[-1] in EDGE or lw[-1] in ENDONLY)
    # half a word at an apostrophe ("s favorite" of "Trump's favorite") or a hyphen ("self-" of "self-interest")
    apos=s>1 and text[s-1] in "'\u2019" and text[s-2].isalnum()
    hyph=e<len(text) and e>0 and text[e-1]=='-' and text[e].isalnum()
    if cut or edge or apos or hyph: return 'fragment'
    if len(lw)==1 and len(lw[0])>4 and lw[0].endswith('ly'): return 'intensifier'
    return None
def lexp(label,lw,k=8.0):
    t=LEX.get(label,{}); best=0.0
    for w in lw:
        v=t.get(w)
        if v: best=max(best,(v[0]+k*0.02)/(v[1]+k))
    return best
def biasp(lw,k=4.0):
    best=0.0
    for w in lw:
        if w in FW: continue
        v=BIAS.get(w)
        if v: best=max(best,(v[0]+k*0.02)/(v[1]+k))
    return best
def in_quote(text,s):
    ps=text.rfind('\n',0,s)+1
    pre=text[ps:s]
    return (pre.count('\u201c')-pre.count('\u201d'))>0 or pre.count('"')%2==1
NAMES=['bias']+['g%d'%i for i in range(1,len(GROUPS)+1)]+['score_g%d'%i for i in range(len(GROUPS)+1)]+\
 ['pLL','pNC','pown','bias_w','pLL_NC','pNC_NC','bias_NC','ln_words','ln_words_LL','fw_share','cap_share','name_share','quote','quote_NC','pos','title']
def feats(text,tech,s,e,score):
    ws=words_in(text,s,e); lw=[text[a:b].lower() for a,b in ws]
    st=structural(text,s,e,ws,lw)
    g=group(tech); n=max(len(lw),1)
    low=lower_words(text)
    oh=[1.0 if g==i else 0.0 for i in range(1,len(GROUPS)+1)]
    sc=[score if g==i else 0.0 for i in range(len(GROUPS)+1)]
    pLL=lexp('Loaded_Language',lw); pNC=lexp('Name_Calling-Labeling',lw); pown=lexp(tech,lw)
    b=biasp(lw)
    isNC=1.0 if g==1 else 0.0; isLL=1.0 if g==0 else 0.0
    lnw=math.log(1+len(lw))
    fws=sum(1 for w in lw if w in FW)/n
    caps=sum(1 for (a,_) in ws if text[a].isupper())/n
    names=sum(1 for (a,_),w in zip(ws,lw) if text[a].isupper() and w not in low)/n
    q=1.0 if in_quote(text,s) else 0.0
    nl=text.find('\n'); title=1.0 if (nl<0 or s<nl) else 0.0
    pos=s/max(len(text),1)
    x=[1.0]+oh+sc+[pLL,pNC,pown,b,pLL*isNC,pNC*isNC,b*isNC,lnw,lnw*isLL,fws,caps,names,q,q*isNC,pos,title]
    return st,x
