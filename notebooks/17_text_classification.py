# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 17 · Text: bags of words, naive Bayes, tf-idf and BLEU
#
# Models eat numbers, so text must become numbers first. The oldest way still works remarkably
# well: forget word order, count the words. This notebook builds, by hand, the three pieces of a
# classic text pipeline and the score used for translation:
#
# 1. a **bag of words** (a document × vocabulary count matrix),
# 2. **multinomial naive Bayes** on it, a spam filter for the SMS Spam Collection,
# 3. **tf-idf** weights, which discount words every document uses,
# 4. **BLEU**, the n-gram overlap score machine translation is judged by.
#
# Each is checked against homeml (`homeml.learn.feature_extraction.text`,
# `homeml.learn.naive_bayes`, `homeml.learn.metrics.corpus_bleu`) and, where installed,
# scikit-learn and sacrebleu.

# %%
import re
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from homeml.datasets import load_sms_spam
from homeml.learn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from homeml.learn.metrics import accuracy_score, corpus_bleu
from homeml.learn.model_selection import train_test_split
from homeml.learn.naive_bayes import MultinomialNB

try:
    import sklearn.feature_extraction.text as sk_text
except ImportError:
    sk_text = None
    print("scikit-learn is not installed: comparing with homeml only")
try:
    import sacrebleu
except ImportError:
    sacrebleu = None

FULL = False  # True: every message (the quick run uses 2,000 of the 5,574)
texts, labels = load_sms_spam()
if not FULL:
    texts, labels = texts[:2000], labels[:2000]
y = np.array([label == "spam" for label in labels], dtype=np.int64)
train_x, test_x, train_y, test_y = train_test_split(
    texts, y, test_size=0.3, stratify=y, random_state=0
)
print(f"{len(texts)} messages, {y.mean():.1%} spam; e.g. {texts[2][:70]!r}")

# %% [markdown]
# ## A bag of words
#
# Tokenise each message (scikit-learn's default: lower-case, runs of 2+ word characters), give
# every word of the training messages a column, count. The matrix is mostly zeros: each message
# uses a handful of the thousands of words, so it is stored sparse (CSR: only the non-zeros).

# %%
TOKEN = re.compile(r"(?u)\b\w\w+\b")


def tokens(text):
    return TOKEN.findall(text.lower())


vocabulary = {w: j for j, w in enumerate(sorted({w for t in train_x for w in tokens(t)}))}


def bag_of_words(docs):
    counts = np.zeros((len(docs), len(vocabulary)), dtype=np.int64)  # (documents, words)
    for i, doc in enumerate(docs):
        for word, n in Counter(tokens(doc)).items():
            if word in vocabulary:  # words never seen in training are dropped
                counts[i, vocabulary[word]] = n
    return counts


X_train, X_test = bag_of_words(train_x), bag_of_words(test_x)
vectorizer = CountVectorizer().fit(train_x)
assert vectorizer.vocabulary_ == vocabulary
assert np.array_equal(vectorizer.transform(test_x).toarray(), X_test)
if sk_text is not None:
    assert sk_text.CountVectorizer().fit(train_x).vocabulary_ == vocabulary
print(f"{X_train.shape[1]} words; {np.count_nonzero(X_train) / X_train.size:.2%} of the matrix")
print("is non-zero: the same counts as homeml's CountVectorizer (and scikit-learn's vocabulary)")

# %% [markdown]
# ## Multinomial naive Bayes
#
# Pretend each message is drawn word by word from its class's word distribution $\theta_c$.
# Then $\log P(c \mid x) = \log P(c) + \sum_w x_w \log \theta_{cw} + \text{const}$: a linear model
# whose weights are counted, not trained. With Laplace smoothing $\alpha$ (so an unseen word
# does not zero a class out),
#
# $$\theta_{cw} = \frac{N_{cw} + \alpha}{\sum_{w'} N_{cw'} + \alpha V}.$$

# %%
ALPHA = 1.0
classes = np.array([0, 1])
log_prior = np.log(np.array([np.mean(train_y == c) for c in classes]))
word_counts = np.array([X_train[train_y == c].sum(axis=0) for c in classes])  # (2, V)
smoothed = word_counts + ALPHA
log_theta = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
joint = X_test @ log_theta.T + log_prior  # (documents, 2): log P(c) + sum_w x_w log theta
predicted = classes[np.argmax(joint, axis=1)]

nb = MultinomialNB(alpha=ALPHA).fit(vectorizer.transform(train_x), train_y)
assert np.allclose(nb.feature_log_prob_, log_theta, rtol=0, atol=1e-12)
assert np.array_equal(nb.predict(vectorizer.transform(test_x)), predicted)
accuracy = accuracy_score(test_y, predicted)
print(f"naive Bayes by hand: test accuracy {accuracy:.4f}, the same predictions as MultinomialNB")
assert accuracy > 0.95

# the words that push hardest toward spam: the largest log theta_spam - log theta_ham
words = np.array(sorted(vocabulary, key=vocabulary.get))
spamminess = log_theta[1] - log_theta[0]
pd.DataFrame({"word": words[np.argsort(-spamminess)[:10]], "log-odds": np.sort(-spamminess)[:10]})

# %% [markdown]
# ## tf-idf
#
# A count says how often a word appears here; it does not say whether the word is special. The
# **inverse document frequency** discounts words most documents share: with $n$ documents of
# which $\mathrm{df}_w$ contain $w$, scikit-learn's smoothed form is
# $\mathrm{idf}_w = \ln\frac{1 + n}{1 + \mathrm{df}_w} + 1$. Each row of counts times idf is then
# scaled to unit length, so long and short messages compare.

# %%
n_docs = X_train.shape[0]
df = np.count_nonzero(X_train, axis=0)
idf = np.log((1 + n_docs) / (1 + df)) + 1
weighted = X_test * idf
tfidf_by_hand = weighted / np.maximum(np.linalg.norm(weighted, axis=1, keepdims=True), 1e-300)
tfidf = TfidfVectorizer().fit(train_x)
assert np.allclose(tfidf.idf_, idf, rtol=0, atol=1e-12)
assert np.allclose(tfidf.transform(test_x).toarray(), tfidf_by_hand, rtol=0, atol=1e-12)
print("tf-idf by hand: the same idf and rows as homeml's TfidfVectorizer")
order = np.argsort(idf)
pd.DataFrame({"commonest words": words[order[:5]], "idf": idf[order[:5]].round(3)}).assign(
    **{"rarest words": words[order[-5:]], "idf ": idf[order[-5:]].round(3)}
)

# %% [markdown]
# ## BLEU
#
# A translation is judged by how many of its n-grams (n = 1..4) also appear in a reference
# translation. For the whole test set: the **clipped precision** $p_n$ (each n-gram counts at
# most as often as the reference has it), their geometric mean, and a **brevity penalty**
# $\mathrm{BP} = \min(1, e^{1 - r/c})$ so that a short output of safe words cannot score well
# (c: the output's length, r: the references'):
#
# $$\mathrm{BLEU} = 100 \cdot \mathrm{BP} \cdot \exp\Big(\tfrac{1}{4}\sum_{n=1}^{4} \ln p_n\Big).$$
#
# sacrebleu, the reference implementation, first splits punctuation off words (its "13a"
# tokenizer); the sentences below are already split that way.

# %%
hypotheses = [
    "the cat is on the mat .",
    "there is a cat on the mat .",
    "i am very happy today .",
    "he reads a book in the garden .",
]
references = [
    "the cat is on the mat .",
    "a cat is on the mat .",
    "i am so happy today .",
    "he is reading a book in the garden .",
]


def ngrams(words, n):
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def bleu_by_hand(hyps, refs):
    matches, totals = np.zeros(4), np.zeros(4)
    hyp_len = ref_len = 0
    for hyp, ref in zip(hyps, refs):
        h, r = hyp.split(), ref.split()
        hyp_len, ref_len = hyp_len + len(h), ref_len + len(r)
        for n in range(1, 5):
            hyp_counts, ref_counts = ngrams(h, n), ngrams(r, n)
            matches[n - 1] += sum(min(c, ref_counts[g]) for g, c in hyp_counts.items())
            totals[n - 1] += max(len(h) - n + 1, 0)
    precisions = matches / totals
    brevity = min(1.0, np.exp(1 - ref_len / hyp_len))
    return 100 * brevity * np.exp(np.mean(np.log(precisions))), precisions, brevity


ours, precisions, brevity = bleu_by_hand(hypotheses, references)
homeml_bleu = corpus_bleu(hypotheses, [references]).score
assert abs(ours - homeml_bleu) < 1e-9
if sacrebleu is not None:
    assert abs(ours - sacrebleu.corpus_bleu(hypotheses, [references]).score) < 1e-9
print(f"BLEU by hand {ours:.2f} = homeml's corpus_bleu; precisions {np.round(precisions, 3)},")
print(f"brevity penalty {brevity:.3f}")
assert np.all(np.diff(precisions) < 0) and precisions[0] > 0.85 and 0.4 < precisions[3] < 0.5

plt.bar([f"{n}-grams" for n in range(1, 5)], precisions)
plt.ylabel("clipped precision")
plt.title("Longer n-grams match less often: BLEU rewards fluent word order")
plt.show()

# %% [markdown]
# Naive Bayes needs no training loop at all, yet filters spam with better than 95% accuracy on
# this sample: counting is a strong baseline, which is why `homeml train sms-spam` and
# `homeml train sentiment` start from such pipelines before trying the networks of
# `homeml.models` (fastText, a sentence CNN, a BiLSTM, a transformer). BLEU's four precisions
# fall with n (here from about 0.9 to under 0.5): matching single words is easy, matching word
# order is what separates good translations.
