#!/usr/bin/env python3
"""Print the score tables of models/README.md from models/techniques/analyzer.json (written by
`rhetor train`), so the card always matches the shipped model."""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "models/techniques/analyzer.json"
cfg = json.load(open(path))
t = cfg["technique_scores"]
a = cfg["article_scores"]
th = cfg["thresholds"]
print(f"Held-out fold {a['holdout_fold']} ({t['articles']} articles, never seen by the fine-tuning):\n")
print("| task | metric | score | P | R |")
print("|---|---|---|---|---|")
print(f"| subtask 3, paragraph techniques | micro-F1 | {t['st3_micro_f1']:.3f} | {t['st3_micro_precision']:.3f} | {t['st3_micro_recall']:.3f} |")
print(f"| spans | F1, partial overlap | {t['spans_f1']:.3f} | {t['spans_precision']:.3f} | {t['spans_recall']:.3f} |")
print(f"| subtask 1, genre | macro-F1 | {a['holdout_genre_macro_f1']:.3f} | | |")
print(f"| subtask 2, frames | micro-F1 | {a['holdout_frames_micro_f1']:.3f} | | |")
print()
imply = " (plus the techniques of the paragraph's spans)" if th.get("spans_imply_paragraph") else ""
print(f"Thresholds: paragraph {th['paragraph']:.3f}{imply}, span token {th['span']:.2f}, frames {a['frame_threshold']:.2f}.\n")
print(f"Article heads, {a['folds']}-fold cross-validation over all training articles: genre macro-F1 {a['genre_macro_f1']:.3f} (accuracy {a['genre_accuracy']:.3f}, L2 {a['genre_l2']:g}); frames micro-F1 {a['frames_micro_f1']:.3f} (macro {a['frames_macro_f1']:.3f}, L2 {a['frames_l2']:g}).\n")
if a.get("genre_target_prior"):
    heads = cfg["article_heads"]
    dense = heads.get("genre_dense")
    sees = "all dense features" if dense is None else f"the first {dense} dense features"
    sees += " and the words" if heads.get("genre_words", True) else ", no words"
    mix = ", ".join(f"{l} {p:g}" for l, p in zip([r[0] for r in a["genre_per_label"]], a["genre_target_prior"]))
    per = ", ".join(f"{l} {f:.3f}" for l, f in a["genre_shifted_per_label"])
    print(f"Genre with the cross-validation's test articles weighted to the target mix ({mix}): macro-F1 {a['genre_shifted_macro_f1']:.3f} ({per}); held-out fold only {a['holdout_genre_shifted_macro_f1']:.3f}. Chosen by that figure: the genre head sees {sees}, L2 {a['genre_l2']:g}, prior shift strength {a['genre_prior_alpha']:g}.\n")
    op = heads.get("opinion")
    if op:
        cv = op["cv"]
        print(f"Opinion signal (BABE, {cv['sentences']} sentences, {cv['folds']}-fold CV): entirely factual vs writer's opinion accuracy {cv['accuracy']:.3f}, AUC {cv['auc']:.3f}.\n")
print("| technique | subtask 3 F1 | paragraphs | span F1 | spans |")
print("|---|---|---|---|---|")
for l, f, n, sf, sn in sorted(t["per_technique"], key=lambda r: -r[2]):
    print(f"| {l} | {f:.3f} | {n} | {sf:.3f} | {sn} |")
print()
print("| genre | F1 (CV) | articles |")
print("|---|---|---|")
for l, f, n in a["genre_per_label"]:
    print(f"| {l} | {f:.3f} | {n} |")
print()
print("| frame | F1 (CV) | articles |")
print("|---|---|---|")
for l, f, n in sorted(a["frames_per_label"], key=lambda r: -r[2]):
    print(f"| {l} | {f:.3f} | {n} |")
