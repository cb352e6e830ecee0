"""Scores genre predictions against hand labels of the extraction benchmark's pages.

    rhetor analyze ../shared/data/article-extraction-benchmark/html --format jsonl -q > out.jsonl
    python3 scripts/hand-labels/bench_genre.py \
        crates/rhetor-analyzers/tests/data/bench_genre.tsv out.jsonl [out2.jsonl ...]

Prints, per prediction file, what the pages labelled reporting and opinion were called, and the
macro-F1 over those two labels (the pages labelled other or unclear are left out).
"""
import json
import sys


def main():
    labels = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        page, label = line.rstrip("\n").split("\t")
        labels[page] = label
    for path in sys.argv[2:]:
        called = {}
        for line in open(path, encoding="utf-8"):
            a = json.loads(line)
            called[a["id"]] = (a.get("genre") or {}).get("label")
        print(path)
        f1s = []
        for gold in ("reporting", "opinion"):
            pages = [p for p, g in labels.items() if g == gold and p in called]
            counts = {}
            for p in pages:
                counts[called[p]] = counts.get(called[p], 0) + 1
            scored = [p for p, g in labels.items() if g in ("reporting", "opinion") and p in called]
            tp = counts.get(gold, 0)
            fp = sum(1 for p in scored if called[p] == gold and labels[p] != gold)
            prec = tp / (tp + fp) if tp + fp else 0.0
            rec = tp / len(pages) if pages else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            f1s.append(f1)
            print(f"  {gold}: {len(pages)} pages, called {counts}; precision {prec:.3f} "
                  f"recall {rec:.3f} F1 {f1:.3f}")
        print(f"  macro-F1 (opinion, reporting): {sum(f1s) / len(f1s):.3f}")


if __name__ == "__main__":
    main()
