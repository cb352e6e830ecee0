"""Build a pool of real articles for a hand-labelled highlight batch (issue 14).

Writes each article's text to OUT/texts/SHA256.txt exactly as the highlight-label test rebuilds it
(crates/rhetor-analyzers/tests/highlight_labels.rs), skipping every article any batch of
highlight_labels.tsv already used (by source or hash) and any listed in --exclude map files, and
writes OUT/map.json (sha256 -> source).

  python3 pool.py OUT --fnc1 300:1823 --polnear 250:1819 --hyperpartisan 80:1822 [--exclude OLD/map.json ...]

Then: rhetor analyze OUT/texts -f json -o OUT/json, and spans.py OUT lists what is shown.
The article texts stay outside the repository (their terms forbid redistribution).
"""
import argparse, csv, hashlib, json, os, random, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
LABELS = os.path.join(ROOT, 'crates/rhetor-analyzers/tests/data/highlight_labels.tsv')
sys.path.insert(0, HERE)
from hyperpartisan import text as hyperpartisan_text  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--data', default=os.path.join(ROOT, '..', 'shared', 'data'))
    ap.add_argument('--fnc1', help='N:SEED, bodies of at least 100 words')
    ap.add_argument('--polnear', help='N:SEED, train articles')
    ap.add_argument('--hyperpartisan', help='N:SEED, articles of at least 100 words')
    ap.add_argument('--exclude', nargs='*', default=[])
    a = ap.parse_args()
    used_src, used_sha = set(), set()
    for line in open(LABELS, encoding='utf-8'):
        if line.startswith('#'):
            continue
        f = line.split('\t')
        used_src.add(f[1])
        used_sha.add(f[2])
    for p in a.exclude:
        m = json.load(open(p))
        used_src |= set(m.values())
        used_sha |= set(m)
    os.makedirs(os.path.join(a.out, 'texts'), exist_ok=True)
    out = {}

    def take(candidates, spec):
        n, seed = (int(x) for x in spec.split(':'))
        candidates = list(candidates)
        random.Random(seed).shuffle(candidates)
        k = 0
        for src, get in candidates:
            if k == n:
                break
            if src in used_src:
                continue
            t = get()
            if not t:
                continue
            sha = hashlib.sha256(t.encode()).hexdigest()
            if sha in used_sha or sha in out:
                continue
            open(os.path.join(a.out, 'texts', sha + '.txt'), 'w', encoding='utf-8').write(t)
            out[sha] = src
            k += 1
        print(spec, k, 'articles', file=sys.stderr)

    if a.fnc1:
        rows = list(csv.DictReader(open(os.path.join(a.data, 'fnc1/train_bodies.csv'), encoding='utf-8')))
        bodies = [(r['Body ID'], r['articleBody'].strip() + '\n') for r in rows]
        take([('fnc1/' + i, (lambda t=t: t if len(t.split()) >= 100 else None)) for i, t in bodies], a.fnc1)
    if a.polnear:
        d = os.path.join(a.data, 'polnear/data/train/text')
        files = sorted(os.listdir(d))
        take([('polnear/train/' + f, (lambda f=f: open(os.path.join(d, f), encoding='utf-8').read())) for f in files], a.polnear)
    if a.hyperpartisan:
        xml = open(os.path.join(a.data, 'hyperpartisan/articles-training-byarticle-20181122.xml'), encoding='utf-8').read()
        ids = re.findall(r'<article id="(\d+)"', xml)

        def get(i):
            t = hyperpartisan_text(xml, i)
            return t if t and len(t.split()) >= 100 else None
        take([('hyperpartisan/' + i, (lambda i=i: get(i))) for i in ids], a.hyperpartisan)
    json.dump(out, open(os.path.join(a.out, 'map.json'), 'w'))


if __name__ == '__main__':
    main()
