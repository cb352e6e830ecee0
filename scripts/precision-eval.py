#!/usr/bin/env python3
"""Helper of precision-eval.sh (standard library only).

split JSONL DIR: writes DIR/{st1,st2,st3,spans}.txt from `rhetor analyze --format jsonl` output,
  as `--format semeval-*` would (one analysis pass for all four).
diff A B [INPUT]: how many predictions of run B differ from run A (paragraph labels, spans, genre,
  frames, quotes) and the largest paragraph-probability difference; with INPUT (the subset
  folder, for its gold labels), how many of the changed paragraph labels, genres and frames B got
  right where A was wrong (won) and wrong where A was right (lost), with the two-sided sign-test
  p-value: a change that is mostly noise shows wins and losses near half and half.
"""
import json
import os
import re
import shutil
import sys


def subset(data, out, n_semeval, n_polnear):
    se = f"{data}/semeval2023/en"
    arts = sorted(os.listdir(f"{se}/train-articles-subtask-3"))[:n_semeval]
    ids = {re.sub(r"\D", "", a) for a in arts}
    for d in ["semeval/articles", "semeval/spans", "polnear/text", "polnear/attributions"]:
        os.makedirs(f"{out}/{d}", exist_ok=True)
    def link(src, dst):
        # Copies, not symlinks: `rhetor analyze` does not follow links inside a folder.
        if not os.path.lexists(dst):
            shutil.copyfile(src, dst)
    for a in arts:
        link(f"{se}/train-articles-subtask-3/{a}", f"{out}/semeval/articles/{a}")
    for f in os.listdir(f"{se}/train-labels-subtask-3-spans"):
        if re.sub(r"\D", "", f.split("-")[0]) in ids:
            link(f"{se}/train-labels-subtask-3-spans/{f}", f"{out}/semeval/spans/{f}")
    for name, src in [("st1", "train-labels-subtask-1.txt"), ("st2", "train-labels-subtask-2.txt"), ("st3", "train-labels-subtask-3.txt")]:
        with open(f"{se}/{src}", encoding="utf-8") as f, open(f"{out}/semeval/{name}.txt", "w", encoding="utf-8") as g:
            g.writelines(l for l in f if l.split("\t")[0] in ids)
    pd = f"{data}/polnear/data/dev"
    texts = sorted(os.listdir(f"{pd}/text"))[:n_polnear]
    names = {t[:-4] for t in texts}
    for t in texts:
        link(f"{pd}/text/{t}", f"{out}/polnear/text/{t}")
    for ann in os.listdir(f"{pd}/attributions"):
        # NAME_ANNOTATOR.ann (see rhetor-eval's read_polnear)
        if ann.endswith(".ann") and (ann[:-4].rsplit("_", 1)[0] in names or ann[:-4] in names):
            link(f"{pd}/attributions/{ann}", f"{out}/polnear/attributions/{ann}")


def articles(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                a = json.loads(line)
                if "id" in a:
                    yield a


def split(path, out):
    st1, st2, st3, spans = [], [], [], []
    for a in articles(path):
        i = a["id"]
        g = a.get("genre")
        if g:
            st1.append(f"{i}\t{g['label']}\n")
        st2.append(f"{i}\t{','.join(f['frame'] for f in a.get('frames', []))}\n")
        pt = {p["paragraph"]: p for p in a.get("paragraph_techniques", [])}
        for p in sorted(a.get("paragraphs", []), key=lambda p: p["index"]):
            t = pt.get(p["index"])
            labels = ",".join(x["label"] for x in t["techniques"]) if t else ""
            st3.append(f"{i}\t{p['index']}\t{labels}\n")
        for t in a.get("techniques", []):
            spans.append(f"{i}\t{t['technique']}\t{t['start']}\t{t['end']}\n")
    for name, rows in [("st1", st1), ("st2", st2), ("st3", st3), ("spans", spans)]:
        with open(f"{out}/{name}.txt", "w", encoding="utf-8") as f:
            f.writelines(rows)


def keyed(d, name):
    out = {}
    for a in articles(f"{d}/{name}"):
        out[a["id"]] = a
    return out


def sign_p(won, lost):
    """Two-sided exact sign test: the probability of a split at least this uneven by chance."""
    from math import comb
    n = won + lost
    if n == 0:
        return 1.0
    k = min(won, lost)
    return min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2 ** n)


def gold(input_dir):
    se = f"{input_dir}/semeval"
    g = {"genre": {}, "frames": {}, "paragraph labels": {}}
    with open(f"{se}/st1.txt", encoding="utf-8") as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) >= 2:
                g["genre"][c[0]] = c[1]
    with open(f"{se}/st2.txt", encoding="utf-8") as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) >= 2:
                g["frames"][c[0]] = {x for x in c[1].split(",") if x}
    with open(f"{se}/st3.txt", encoding="utf-8") as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) >= 3:
                g["paragraph labels"][(c[0], int(c[1]))] = {x for x in c[2].split(",") if x}
    return g


def diff(a_dir, b_dir, input_dir=None):
    g = gold(input_dir) if input_dir else None
    wl = {"paragraph labels": [0, 0], "genre": [0, 0], "frames": [0, 0]}

    def score(kind, truth, in_a):
        # in_a: whether run A predicted it (so B did not); truth: whether gold has it.
        wl[kind][0 if in_a != truth else 1] += 1

    a, b = keyed(a_dir, "semeval.jsonl"), keyed(b_dir, "semeval.jsonl")
    n = {"paragraph labels": [0, 0], "spans": [0, 0], "genre": [0, 0], "frames": [0, 0]}
    worst = 0.0
    for i, x in a.items():
        y = b.get(i, {})
        px = {(p["paragraph"], t["label"]): t.get("score", 0) for p in x.get("paragraph_techniques", []) for t in p["techniques"]}
        py = {(p["paragraph"], t["label"]): t.get("score", 0) for p in y.get("paragraph_techniques", []) for t in p["techniques"]}
        n["paragraph labels"][0] += len(set(px) ^ set(py))
        if g is not None:
            for k in set(px) ^ set(py):
                gl = g["paragraph labels"].get((i, k[0]))
                if gl is not None:
                    score("paragraph labels", k[1] in gl, k in px)
        n["paragraph labels"][1] += len(set(px) | set(py))
        for k in set(px) & set(py):
            worst = max(worst, abs(px[k] - py[k]))
        sx = {(t["technique"], t["start"], t["end"]) for t in x.get("techniques", [])}
        sy = {(t["technique"], t["start"], t["end"]) for t in y.get("techniques", [])}
        n["spans"][0] += len(sx ^ sy)
        n["spans"][1] += len(sx | sy)
        gx, gy = (x.get("genre") or {}).get("label"), (y.get("genre") or {}).get("label")
        n["genre"][0] += gx != gy
        if g is not None and gx != gy and i in g["genre"]:
            t = g["genre"][i]
            if t in (gx, gy):
                wl["genre"][0 if gy == t else 1] += 1
        n["genre"][1] += 1
        fx = {f["frame"] for f in x.get("frames", [])}
        fy = {f["frame"] for f in y.get("frames", [])}
        n["frames"][0] += len(fx ^ fy)
        if g is not None and i in g["frames"]:
            for fr in fx ^ fy:
                score("frames", fr in g["frames"][i], fr in fx)
        n["frames"][1] += len(fx | fy)
    qa, qb = keyed(a_dir, "polnear.jsonl"), keyed(b_dir, "polnear.jsonl")
    qd = qt = 0
    for i, x in qa.items():
        y = qb.get(i, {})
        def key(q):
            return (q["start"], q["end"], q["kind"], q.get("speaker_start"), q.get("speaker_end"), q.get("shown"))
        kx = {key(q) for q in x.get("quotes", [])}
        ky = {key(q) for q in y.get("quotes", [])}
        qd += len(kx ^ ky)
        qt += len(kx | ky)
    print(f"{b_dir} vs {a_dir}:")
    for k, (d, t) in n.items():
        print(f"  {k}: {d} of {t} differ")
    print(f"  quotes (PolNeAR dev): {qd} of {qt} differ")
    print(f"  largest paragraph score difference (labels both kept): {worst:.4f}")
    if g is not None:
        for k, (w, l) in wl.items():
            print(f"  {k} changed against gold: {w} won, {l} lost (sign test p = {sign_p(w, l):.2f})")


if __name__ == "__main__":
    if sys.argv[1] == "subset":
        subset(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "diff":
        diff(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
