# Word statistics from BABE (biased_words) and BASIL (lexical-bias spans): per lower-case word,
# how often it is marked biased and how often it occurs. No sentences kept.
import csv,json,glob,ast,collections,re,os
DATA=os.environ.get('DATA','../shared/data')
def toks(s): return [m.group(0).lower() for m in re.finditer(r'[^\W_]+',s)]
inside=collections.Counter(); count=collections.Counter()
with open(DATA+'/babe/data/final_labels_SG2.csv',encoding='utf-8-sig') as f:
    for r in csv.DictReader(f,delimiter=';'):
        for w in toks(r['text']): count[w]+=1
        try: bw=ast.literal_eval(r['biased_words'])
        except Exception: bw=[]
        for p in bw:
            for w in toks(p): inside[w]+=1
nb=sum(inside.values())
for f in glob.glob(DATA+'/basil/articles/*/*.json'):
    a=json.load(open(f))
    for p in a['body-paragraphs']:
        for s in p:
            for w in toks(s): count[w]+=1
for f in glob.glob(DATA+'/basil/annotations/*/*.json'):
    a=json.load(open(f))
    for p in a['phrase-level-annotations']:
        if p.get('bias')=='lex':
            for w in toks(p['txt']): inside[w]+=1
for w in inside:
    count[w]=max(count[w],inside[w])
tab={w:[inside[w],count[w]] for w in inside if inside[w]>=1}
print(len(tab),'words; babe biased tokens',nb)
import os
json.dump(tab,open(os.path.join(os.environ.get('WORK','.'),'bias_words.json'),'w'),sort_keys=True)
for w in ['disastrous','scam','radical','the','american','illegal','slammed','hysteria']:
    print(w,tab.get(w),count[w])
