"""The translation helpers (dlcourse/translation.py): the fixed test split, tokenisers, vocabulary,
teacher-forcing arrays, the masked loss and the reference beam expansion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dlcourse import translation as tr


# --- the fixed test split ---------------------------------------------------------------------

def test_test_split_indices_never_move():
    rows = tr.test_indices()
    assert rows.shape == (1000,) and rows.dtype == np.int64
    assert rows[:5].tolist() == [21, 50, 64, 84, 95], "the test split moved: every published BLEU would change"
    assert rows[-3:].tolist() == [26308, 26379, 26387]
    assert np.all(np.diff(rows) > 0) and rows[0] >= 0 and rows[-1] < tr.N_ROWS


def test_test_indices_rejects_a_test_set_as_large_as_the_data():
    with pytest.raises(ValueError, match="n_test"):
        tr.test_indices(10, 10)


def test_split_pairs_keeps_every_test_source_out_of_training():
    english = [f"s{i % 40}" for i in range(200)]  # every sentence five times, like the file's repeats
    df = pd.DataFrame({"english": english, "chinese": [f"中{i}" for i in range(200)],
                       "attribution": [f"#{i}" for i in range(200)]})
    train, test = tr.split_pairs(df, n_test=20, seed=0)
    assert len(test) == 20 and list(test.index) == sorted(tr.test_indices(200, 20, 0))
    assert "attribution" in test.columns
    assert not set(train["english"]) & set(test["english"])
    assert set(train.index).isdisjoint(test.index)


# --- tokenisers and vocabulary ---------------------------------------------------------------

def test_english_is_lower_cased_with_punctuation_split_off():
    assert tr.tokenize_english("Tom's here! Don't go.") == ["tom's", "here", "!", "don't", "go", "."]
    assert tr.tokenize_english("  ") == []


def test_chinese_is_one_token_per_character_without_spaces():
    assert tr.tokenize_chinese("我 很好。") == ["我", "很", "好", "。"]


def test_vocabulary_reserves_the_four_specials_and_maps_unknowns():
    vocab = tr.Vocabulary.from_sequences([["a", "b", "a"], ["a", "c"]], min_count=2)
    assert vocab.tokens[:4] == list(tr.SPECIALS) and vocab.tokens[4:] == ["a"]
    assert vocab.encode(["a", "zzz"]) == [4, tr.UNK]
    assert vocab.decode([tr.BOS, 4, tr.PAD, 4, tr.EOS, 4]) == ["a", "a"], "decode stops at EOS, skips PAD/BOS"


def test_make_arrays_shifts_decoder_targets_left_by_one():
    src_vocab = tr.Vocabulary(["hi", "there"])
    tgt_vocab = tr.Vocabulary(["你", "好"])
    src, dec_in, dec_out = tr.make_arrays([["hi", "there"]], [["你", "好"]], src_vocab, tgt_vocab, 3, 3)
    np.testing.assert_array_equal(src, [[4, 5, 0]])
    np.testing.assert_array_equal(dec_in, [[tr.BOS, 4, 5, 0]])
    np.testing.assert_array_equal(dec_out, [[4, 5, tr.EOS, 0]])
    assert src.dtype == dec_in.dtype == dec_out.dtype == np.int32
    _, _, cut = tr.make_arrays([["hi"]], [["你", "好", "你"]], src_vocab, tgt_vocab, 2, 2)
    np.testing.assert_array_equal(cut, [[4, 5, tr.EOS]])


# --- masked loss -----------------------------------------------------------------------------

def test_masked_loss_is_the_mean_over_real_tokens_only():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 6)).astype("float32")
    y = np.array([[4, 5, 3, 0], [2, 0, 0, 0]], dtype=np.int32)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_p, y[..., None], -1)[..., 0]
    expected = -picked[y != 0].mean()
    assert np.isclose(float(tr.masked_loss(y, logits)), expected, rtol=1e-5)
    changed = logits.copy()
    changed[y == 0] = 100.0  # whatever the model says at padded positions
    assert np.isclose(float(tr.masked_loss(y, changed)), expected, rtol=1e-5)


# --- reference beam expansion ----------------------------------------------------------------

def test_expand_beams_takes_the_top_k_of_summed_log_probabilities():
    scores = np.array([-1.0, -2.0])
    log_probs = np.log(np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]]))
    new, parents, tokens = tr.expand_beams(scores, log_probs, np.array([False, False]), 3)
    cand = scores[:, None] + log_probs
    best = np.argsort(-cand.ravel(), kind="stable")[:3]
    np.testing.assert_allclose(new, cand.ravel()[best])
    np.testing.assert_array_equal(parents, best // 4)
    np.testing.assert_array_equal(tokens, best % 4)


def test_expand_beams_keeps_a_finished_hypothesis_unchanged():
    scores = np.array([-0.5, -3.0])
    log_probs = np.log(np.full((2, 4), 0.25))
    new, parents, tokens = tr.expand_beams(scores, log_probs, np.array([True, False]), 3, eos_id=3)
    assert parents[0] == 0 and tokens[0] == 3 and new[0] == -0.5
    assert (parents == 0).sum() == 1, "a finished hypothesis is one candidate, not V"
    assert np.all(new[1:] == -3.0 + np.log(0.25))


def test_beam_width_one_follows_the_argmax_path():
    rng = np.random.default_rng(3)
    table = np.log(rng.dirichlet(np.ones(6), size=6))  # next-token log-probs given the last token
    token, score, greedy_path = 2, 0.0, []
    for _ in range(5):
        token = int(np.argmax(table[token]))
        greedy_path.append(token)
    beam_tok, beam_score, beam_path = np.array([2]), np.zeros(1), []
    for _ in range(5):
        beam_score, parents, beam_tok = tr.expand_beams(beam_score, table[beam_tok], np.zeros(1, bool), 1, eos_id=5)
        beam_path.append(int(beam_tok[0]))
    assert beam_path == greedy_path
