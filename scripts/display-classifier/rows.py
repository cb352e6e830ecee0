# rows.pkl for train.py: joins highlight_labels.tsv with the texts of the labelled articles, taken
# from `rhetor analyze -f json -o DIR` outputs (any number of DIRs) and matched by the sha256 the
# labels file stores. Usage: WORK=... python3 rows.py DIR...
import glob,hashlib,json,os,pickle,sys
HERE=os.path.dirname(os.path.abspath(__file__))
TSV=os.path.join(HERE,'../../crates/rhetor-analyzers/tests/data/highlight_labels.tsv')
texts={}
for d in sys.argv[1:]:
    for f in glob.glob(os.path.join(d,'*.json')):
        t=json.load(open(f))['text']; texts[hashlib.sha256(t.encode()).hexdigest()]=t
rows=[];missing=set()
for l in open(TSV):
    if l.startswith('#') or not l.strip(): continue
    b,src,sha,s,e,tech,score,shown,hid,g,o,bo=l.rstrip('\n').split('\t')
    if b=='fresh3': continue  # the held-out batch is never trained on
    if sha not in texts: missing.add(src); continue
    rows.append(dict(batch=b,src=src,sha=sha,s=int(s),e=int(e),tech=tech,score=float(score),g=int(g),other=o,bo=int(bo),text=texts[sha]))
print(len(rows),'labelled spans;',len(missing),'articles without a text')
pickle.dump(rows,open(os.path.join(os.environ.get('WORK','.'),'rows.pkl'),'wb'))
