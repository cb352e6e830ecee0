"""Shared pieces of the label-shift analyses (issue 14): the fold-0 rows that
`paragraph_thresholds` writes with DUMP=FILE, genre weights to the target mix, the 2023
annotation's technique shares, and the label-shifted subtask-3 estimate (the same formula as
`rhetor_eval::shift::shifted_multilabel`).

Environment: ROWS (the DUMP file), SEMEVAL (../shared/data/semeval2023 by default).
"""
import collections
import os

import numpy as np

LABELS = ["Name_Calling-Labeling", "Guilt_by_Association", "Doubt", "Appeal_to_Hypocrisy",
          "Questioning_the_Reputation", "Flag_Waving", "Appeal_to_Authority",
          "Appeal_to_Popularity", "Appeal_to_Values", "Appeal_to_Fear-Prejudice",
          "Causal_Oversimplification", "False_Dilemma-No_Choice",
          "Consequential_Oversimplification", "Straw_Man", "Red_Herring", "Whataboutism",
          "Slogans", "Conversation_Killer", "Appeal_to_Time", "Loaded_Language",
          "Obfuscation-Vagueness-Confusion", "Exaggeration-Minimisation", "Repetition"]
N = len(LABELS)
SEMEVAL = os.environ.get("SEMEVAL", "../shared/data/semeval2023")
TARGET_LANGUAGES = ["fr", "ge", "it", "po", "ru"]
GENRE_TARGET = {"opinion": 0.3, "reporting": 0.6, "satire": 0.1}


def load_rows(path=None):
    """Article ids, genres, gold (bool), span-implied (bool), probabilities, genre weights."""
    path = path or os.environ["ROWS"]
    rows = [l.rstrip("\n").split("\t") for l in open(path)]
    art = np.array([r[0] for r in rows])
    gen = ["opinion" if r[1] == "none" else r[1] for r in rows]
    gold = np.array([[c == "1" for c in r[2]] for r in rows])
    implied = np.array([[c == "1" for c in r[3]] for r in rows])
    probs = np.array([[float(x) for x in r[4].split(",")] for r in rows])
    genre_of = dict(zip(art, gen))
    count = collections.Counter(genre_of.values())
    n = len(genre_of)
    w = np.array([GENRE_TARGET[genre_of[a]] / (count[genre_of[a]] / n) for a in art])
    return art, gold, implied, probs, w


def fix(label):
    return "Appeal_to_Fear-Prejudice" if label.startswith("Appeal_to_Fear") else label


def paragraph_labels(lang):
    """The label sets of every paragraph line of one language's subtask-3 training file."""
    out = []
    for line in open(os.path.join(SEMEVAL, lang, "train-labels-subtask-3.txt"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        out.append({fix(t) for t in f[2].split(",")} if len(f) > 2 and f[2] else set())
    return out


def target_shares():
    """Mean share of each technique among the paragraph labels of the target languages."""
    t = np.zeros(N)
    for lang in TARGET_LANGUAGES:
        c = collections.Counter(l for labs in paragraph_labels(lang) for l in labs)
        s = sum(c.values())
        t += np.array([c[l] / s for l in LABELS]) / len(TARGET_LANGUAGES)
    return t


def counts(pred, gold, w):
    tp = ((pred & gold) * w[:, None]).sum(0)
    fp = ((pred & ~gold) * w[:, None]).sum(0)
    fn = ((~pred & gold) * w[:, None]).sum(0)
    return tp, fp, fn


def shifted_f1(pred, gold, w, shares, extra=(0.0, 0.0)):
    """(F1, P, R) with each technique's gold moved to shares * total gold; `extra` adds
    expected (true, false) positives of a label the rows have no gold for."""
    tp, fp, fn = counts(pred, gold, w)
    g = tp + fn
    gold_t = shares * g.sum()
    rec = np.where(g > 0, tp / np.maximum(g, 1e-12), 0.0)
    TP = (rec * gold_t).sum() + extra[0]
    FP = fp.sum() + extra[1]
    p = TP / (TP + FP)
    r = TP / gold_t.sum()
    return 2 * p * r / (p + r), p, r
