"""List the spans `rhetor analyze` shows on a pool (pool.py), in a seeded random order, for judging.

  python3 spans.py OUT SEED > OUT/to-judge.txt

Each line: index, technique, score, source family, genre, and the span [[in context]]. Write the
judgements as OUT/judge.txt, one line per index: `INDEX GENUINE OTHER BOUNDARY_OK` (1/0, `-` or the
right technique, 1/0), then add_batch.py appends them to highlight_labels.tsv.
"""
import glob, hashlib, json, os, random, sys

out, seed = sys.argv[1], int(sys.argv[2])
m = json.load(open(os.path.join(out, 'map.json')))
spans = []
for f in sorted(glob.glob(os.path.join(out, 'json', '*.json'))):
    a = json.load(open(f, encoding='utf-8'))
    t = a['text']
    sha = hashlib.sha256(t.encode()).hexdigest()
    if sha not in m:
        sys.exit(f'{f}: the analysed text is not the pool text (hash {sha})')
    for x in a['techniques']:
        if x['shown']:
            spans.append(dict(src=m[sha], sha=sha, s=x['start'], e=x['end'], tech=x['technique'],
                              score=x['score'], genre=(a.get('genre') or {}).get('label'),
                              ctx=t[max(0, x['start'] - 160):x['start']] + ' [[' + t[x['start']:x['end']] + ']] ' + t[x['end']:x['end'] + 90]))
random.Random(seed).shuffle(spans)
json.dump(spans, open(os.path.join(out, 'spans.json'), 'w'))
for i, x in enumerate(spans):
    print(i, x['tech'], '%.2f' % x['score'], x['src'].split('/')[0], x['genre'], '|', x['ctx'].replace('\n', ' / '))
