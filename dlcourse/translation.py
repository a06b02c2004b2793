"""English -> Mandarin translation helpers for ``04_rnn/03_seq2seq_translation``.

What the notebook calls in one line, so that it can show the models, the decoders and BLEU:

- the fixed test split of the Tatoeba pairs (``test_indices``, ``split_pairs``): 1,000 rows drawn
  once by a seeded permutation; ``tests/test_translation.py`` pins its first indices;
- tokenisers: word-level English (lower-cased, punctuation split off), character-level Chinese;
- ``Vocabulary`` (ids 0-3 are PAD, UNK, BOS, EOS) and ``make_arrays`` for teacher forcing;
- ``masked_loss``: the mean cross-entropy over real (non-PAD) target tokens;
- ``expand_beams``: the reference for the notebook's beam-search exercise, used only when the
  student's version is not written yet, so later cells still run.

This module imports Keras only inside ``masked_loss``.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")

N_ROWS = 26_388          # rows of the mirror's cmn.txt
TEST_SEED = 2026         # the seed of the one permutation that picks the test rows
N_TEST = 1_000

_ENGLISH_TOKEN = re.compile(r"[\w']+|[^\w\s]")


def test_indices(n_rows: int = N_ROWS, n_test: int = N_TEST, seed: int = TEST_SEED) -> np.ndarray:
    """The test rows: ``sorted(default_rng(seed).permutation(n_rows)[:n_test])`` as an int64 array.

    Fixed once for the course: with the defaults the first five are pinned by a unit test, so the
    split never moves between runs, machines or NumPy versions that keep PCG64.
    """
    if not 0 < n_test < n_rows:
        raise ValueError(f"n_test must be in (0, {n_rows}), got {n_test}")
    return np.sort(np.random.default_rng(seed).permutation(n_rows)[:n_test]).astype(np.int64)


def split_pairs(df, n_test: int = N_TEST, seed: int = TEST_SEED):
    """``(train, test)`` DataFrames from ``load_translation_pairs()``'s 26,388 rows.

    test: the rows at ``test_indices`` (in file order, index kept, attribution column kept).
    train: every other row whose English sentence does not occur in the test set, so no test
    source sentence is ever seen in training (the file repeats many English sentences with
    several Chinese translations).
    """
    rows = test_indices(len(df), n_test, seed)
    test = df.iloc[rows]
    rest = df.drop(index=df.index[rows])
    train = rest[~rest["english"].isin(set(test["english"]))]
    return train, test


def tokenize_english(text: str) -> list[str]:
    """Lower-cased words, with every punctuation mark its own token: "Tom's here!" -> ["tom's", "here", "!"]."""
    return _ENGLISH_TOKEN.findall(text.lower())


def tokenize_chinese(text: str) -> list[str]:
    """One token per character, white space dropped: "我很好。" -> ["我", "很", "好", "。"]."""
    return [ch for ch in text if not ch.isspace()]


class Vocabulary:
    """Token <-> id. Ids 0-3 are PAD, UNK, BOS, EOS; the others in order of falling frequency."""

    def __init__(self, tokens):
        self.tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def from_sequences(cls, sequences, min_count: int = 1):
        """Every token seen at least ``min_count`` times (ties in first-seen order)."""
        counts = Counter(t for seq in sequences for t in seq)
        return cls([t for t, c in counts.most_common() if c >= min_count])

    def __len__(self):
        return len(self.tokens)

    def encode(self, tokens) -> list[int]:
        """Ids of the tokens; unknown ones map to UNK."""
        return [self.index.get(t, UNK) for t in tokens]

    def decode(self, ids) -> list[str]:
        """Tokens up to (not including) the first EOS; PAD and BOS are skipped."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i not in (PAD, BOS):
                out.append(self.tokens[i])
        return out


def pad(id_lists, length: int) -> np.ndarray:
    """int32 array (len(id_lists), length): each list truncated to ``length`` and padded with PAD."""
    out = np.full((len(id_lists), length), PAD, dtype=np.int32)
    for row, ids in enumerate(id_lists):
        ids = list(ids)[:length]
        out[row, :len(ids)] = ids
    return out


def make_arrays(src_tokens, tgt_tokens, src_vocab: Vocabulary, tgt_vocab: Vocabulary,
                max_src: int, max_tgt: int):
    """Teacher-forcing arrays: ``(encoder_inputs, decoder_inputs, decoder_targets)``, all int32.

    encoder_inputs (N, max_src): source ids, padded. decoder_inputs (N, max_tgt + 1): BOS then the
    target ids; decoder_targets (N, max_tgt + 1): the target ids then EOS, i.e. the inputs shifted
    left by one. A target longer than max_tgt is cut to its first max_tgt tokens (EOS still follows).
    """
    src = pad([src_vocab.encode(s) for s in src_tokens], max_src)
    tgt = [tgt_vocab.encode(t)[:max_tgt] for t in tgt_tokens]
    dec_in = pad([[BOS] + t for t in tgt], max_tgt + 1)
    dec_out = pad([t + [EOS] for t in tgt], max_tgt + 1)
    return src, dec_in, dec_out


def masked_loss(y_true, logits):
    """Mean sparse cross-entropy over the target positions that are not PAD.

    y_true: int (batch, T); logits: float (batch, T, vocab). Padding contributes nothing, and the
    mean is over real tokens, so a batch of short sentences weighs the same per token as a long one.
    """
    from keras import ops

    mask = ops.cast(ops.not_equal(y_true, PAD), "float32")
    per_token = ops.sparse_categorical_crossentropy(y_true, logits, from_logits=True)
    return ops.sum(per_token * mask) / ops.maximum(ops.sum(mask), 1.0)


def expand_beams(scores, log_probs, finished, beam_width: int, eos_id: int = EOS):
    """Reference answer of the notebook's beam-search exercise (used only while it is unsolved).

    scores (k,): summed log-probabilities of the k hypotheses; log_probs (k, V): each one's
    next-token log-probabilities; finished (k,) bool. An unfinished hypothesis i offers V
    candidates scores[i] + log_probs[i, v]; a finished one offers only itself, unchanged, with
    token eos_id. Returns ``(new_scores, parents, tokens)`` of the best min(beam_width, number of
    candidates), best first, ties to the lower (parent, token) position.
    """
    scores = np.asarray(scores, dtype=np.float64)
    log_probs = np.asarray(log_probs, dtype=np.float64)
    finished = np.asarray(finished, dtype=bool)
    k, vocab = log_probs.shape
    cand = scores[:, None] + log_probs
    cand[finished] = -np.inf
    cand[finished, eos_id] = scores[finished]
    flat = cand.ravel()
    n_real = int((~finished).sum() * vocab + finished.sum())
    order = np.argsort(-flat, kind="stable")[:min(beam_width, n_real)]
    return flat[order], (order // vocab).astype(np.int64), (order % vocab).astype(np.int64)


CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")


def cjk_font() -> str | None:
    """The first installed font of ``CJK_FONTS`` that can draw Chinese characters, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def char_labels(chars) -> list[str]:
    """Tick labels for Chinese characters: the characters when a CJK font is installed, else
    ``"3:U+4F60"`` (position and code point), so no figure shows empty boxes."""
    if cjk_font():
        return list(chars)
    return [f"{i}:U+{ord(c):04X}" if len(c) == 1 and ord(c) > 0x2E7F else f"{i}:{c}" for i, c in enumerate(chars)]


def plot_attention(weights, source_tokens, target_chars, title: str, ax=None):
    """Heat map of attention weights (len(target_chars), len(source_tokens)), rows = output characters.

    Columns are the English source tokens, rows the Chinese characters produced; each row sums to 1.
    """
    import matplotlib.pyplot as plt

    weights = np.asarray(weights)[:len(target_chars), :len(source_tokens)]
    ax = ax or plt.gca()
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60, ha="right")
    font = cjk_font()
    ax.set_yticks(range(len(target_chars)), char_labels(target_chars), fontfamily=font or None)
    ax.set(title=title, xlabel="source (English tokens)", ylabel="output (Chinese characters)")
    plt.colorbar(image, ax=ax, label="attention weight")
    return ax
