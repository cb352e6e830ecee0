#!/usr/bin/env python3
"""Fit the speaker confidence of rhetor-quotes (crates/rhetor-quotes/src/calibrate.rs).

Input: the TSV of `cargo run --release -p rhetor-quotes --example hand_labels -- --features F.tsv`
(one row per hand-labelled attribution: batch, labels, the features; no text).
Only the rows the rules' gate shows (rule_score >= 0.75) are used: the labels only cover those.
Target: speaker_right == 1.  Model: logistic regression, L2 (lambda) on all weights but the bias,
fitted by Newton's method.

Prints: leave-one-batch-out figures over fresh2/fresh3/fresh4 (fit on two, measure on the third)
per threshold, per kind group, next to the naive (in-sample) figures; then the final weights fitted
on the training batches (default fresh2 + fresh3) as Rust constants.

usage: fit_quote_confidence.py F.tsv [--train fresh2,fresh3] [--lambda 1.0] [--threshold T]
"""
import sys
import numpy as np

args = sys.argv[1:]
path = args[0]
train_batches = ["fresh2", "fresh3"]
lam = 1.0
fixed_t = None
i = 1
while i < len(args):
    if args[i] == "--train":
        train_batches = args[i + 1].split(","); i += 2
    elif args[i] == "--lambda":
        lam = float(args[i + 1]); i += 2
    elif args[i] == "--threshold":
        fixed_t = float(args[i + 1]); i += 2
    elif args[i] == "--ti":
        i += 2
    else:
        sys.exit(f"unknown argument {args[i]}")

rows = [l.rstrip("\n").split("\t") for l in open(path)]
head, rows = rows[0], rows[1:]
names = head[8:]
# The rules' gate (calibrate::decide): rule_score >= confidence::SHOW_THRESHOLD.
gate = 8 + names.index("rule_score")
rows = [r for r in rows if float(r[gate]) >= 0.75 - 1e-4 and r[5] != "-"]
batch = np.array([r[0] for r in rows])
group = np.array(["direct" if r[3] == "direct" else "indirect+mixed" for r in rows])
y = np.array([1.0 if r[5] == "1" else 0.0 for r in rows])
X = np.array([[float(v) for v in r[8:]] for r in rows])


def fit(X, y):
    n, k = X.shape
    w = np.zeros(k)
    pen = np.full(k, lam); pen[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ w))
        g = X.T @ (p - y) + pen * w
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(pen) + 1e-9 * np.eye(k)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def prob(X, w):
    return 1 / (1 + np.exp(-X @ w))


ts = [0.0, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]
cv = ["fresh2", "fresh3", "fresh4"]
groups = ["direct", "indirect+mixed"]
p_cv = np.full(len(y), np.nan)
p_naive = np.full(len(y), np.nan)
weights = {}
for g in groups:
    gm = group == g
    for b in cv:
        tr = gm & np.isin(batch, [c for c in cv if c != b])
        w = fit(X[tr], y[tr])
        m = gm & (batch == b)
        p_cv[m] = prob(X[m], w)
    tr = gm & np.isin(batch, train_batches)
    weights[g] = fit(X[tr], y[tr])
    p_naive[gm] = prob(X[gm], weights[g])


def line(mask, p, t):
    m = mask & (p >= t)
    n = int(m.sum()); ok = int(y[m].sum()); tot = int(mask.sum())
    return f"{ok}/{n} {100*ok/max(n,1):5.1f}% (hid {tot-n})"


print(f"rows {len(y)} (shown by the rules' gate, labelled); lambda {lam}; one model per group")
for g in groups:
    print(f"\n== {g}: cross-validated by batch (fit on the other two) | naive (fit on {'+'.join(train_batches)})")
    gm = group == g
    for t in ts:
        parts = [f"{b}: cv {line(gm & (batch == b), p_cv, t)} | naive {line(gm & (batch == b), p_naive, t)}" for b in cv]
        parts.append(f"pooled cv {line(gm & np.isin(batch, cv), p_cv, t)}")
        print(f"  t={t:<5} " + "; ".join(parts))

if fixed_t is not None:
    td, ti = fixed_t, fixed_t
    if len(args) and "--ti" in args:
        ti = float(args[args.index("--ti") + 1])
    print(f"\n== all shown, direct t={td}, indirect+mixed t={ti}")
    thr = np.where(group == "direct", td, ti)
    for b in cv:
        for name, p in (("cv", p_cv), ("naive", p_naive)):
            m = (batch == b) & (p >= thr)
            print(f"  {b} {name}: {int(y[m].sum())}/{int(m.sum())} {100*y[m].mean():.1f}%  (hid {int(((batch == b) & (p < thr)).sum())})")
    m = np.isin(batch, cv) & (p_cv >= thr)
    print(f"  pooled cv: {int(y[m].sum())}/{int(m.sum())} {100*y[m].mean():.1f}%")

for g, w in weights.items():
    print(f"\nweights for {g} (fit on " + "+".join(train_batches) + "):")
    for n, v in zip(names, w):
        print(f"    {v:.4f}, // {n}")
