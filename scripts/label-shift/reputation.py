"""Would predicting Questioning_the_Reputation from other outputs pay? In the target
languages, how often a paragraph questions a reputation given the other labels it has; then,
on fold 0, the expected precision of predicting it where we predict name calling or doubt
(using each paragraph's gold labels), scaled so that the total matches the technique's target
share, and the label-shifted F1 with those predictions added.

    ROWS=fold0.tsv python3 scripts/label-shift/reputation.py
"""
import collections

import numpy as np

from common import LABELS, N, TARGET_LANGUAGES, load_rows, paragraph_labels, shifted_f1, target_shares

NEW = {"Questioning_the_Reputation", "Appeal_to_Values", "Consequential_Oversimplification",
       "Appeal_to_Time"}


def kind(labs):
    nc, d = "Name_Calling-Labeling" in labs, "Doubt" in labs
    return "NC&D" if nc and d else "NC" if nc else "D" if d else "other" if labs else "empty"


seen, hit = collections.Counter(), collections.Counter()
for lang in TARGET_LANGUAGES:
    for labs in paragraph_labels(lang):
        k = kind(labs - NEW)
        seen[k] += 1
        hit[k] += "Questioning_the_Reputation" in labs
q = {k: hit[k] / seen[k] for k in seen}
print("P(reputation | other labels):", {k: round(v, 3) for k, v in q.items()})

art, gold, implied, probs, w = load_rows()
shares = target_shares()
pred = (probs >= 0.75) | implied
iq, inc, idb = (LABELS.index(x) for x in
                ("Questioning_the_Reputation", "Name_Calling-Labeling", "Doubt"))
qi = np.array([q[kind({LABELS[l] for l in range(N) if gold[i, l]})] for i in range(len(gold))])
tp, fp, fn = (x.sum() for x in (pred & gold, pred & ~gold, ~pred & gold))
g_total = ((gold) * w[:, None]).sum()
scale = shares[iq] * g_total / (qi * w).sum()
print(f"scale to the target share: {scale:.2f}")
base = shifted_f1(pred, gold, w, shares)
print(f"shipped: F1 {base[0]:.4f} (P {base[1]:.3f} R {base[2]:.3f})")
rules = [("name calling predicted", pred[:, inc]), ("doubt predicted", pred[:, idb]),
         ("both", pred[:, inc] & pred[:, idb]), ("either", pred[:, inc] | pred[:, idb])]
for name, on in rules:
    for s in (scale, 1.0):
        e_tp = (qi * s * w * on).sum()
        e_fp = (w * on).sum() - e_tp
        f = shifted_f1(pred, gold, w, shares, (e_tp, e_fp))
        print(f"  {name:24s} scale {s:.2f}: precision {e_tp / max((w * on).sum(), 1e-12):.3f}"
              f" -> F1 {f[0]:.4f} (P {f[1]:.3f} R {f[2]:.3f})")
