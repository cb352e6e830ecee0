"""Append a judged batch to highlight_labels.tsv (offsets, hashes and labels only, never text).

  python3 add_batch.py OUT BATCH      # reads OUT/spans.json and OUT/judge.txt

Every listed span was shown, so `shown` is 1 and `hidden` is `-`; describe the batch (pool, seeds,
the settings it measures) in the file's header by hand, and add it to the highlight-label test.
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, '..', '..', 'crates/rhetor-analyzers/tests/data/highlight_labels.tsv')
out, batch = sys.argv[1], sys.argv[2]
spans = json.load(open(os.path.join(out, 'spans.json')))
judged = {}
for line in open(os.path.join(out, 'judge.txt')):
    if line.strip():
        i, g, o, b = line.split()
        judged[int(i)] = (g, o, b)
if sorted(judged) != list(range(len(spans))):
    sys.exit(f'judge.txt must have one line for each of the {len(spans)} spans')
rows = []
for i, x in enumerate(spans):
    g, o, b = judged[i]
    rows.append((x['src'], x['sha'], x['s'], x['e'], x['tech'], '%.4f' % x['score'], '1', '-', g, o, b))
rows.sort(key=lambda r: (r[0], r[2], r[3], r[4]))
with open(LABELS, 'a', encoding='utf-8') as f:
    for r in rows:
        f.write(batch + '\t' + '\t'.join(map(str, r)) + '\n')
good = sum(int(r[8]) for r in rows)
print(f'{batch}: {good}/{len(rows)} genuine appended')
