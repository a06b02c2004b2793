"""The char-RNN helpers (dlcourse/text.py): windows, temperature sampling, the add-k n-gram
baseline, sample statistics, the minutes callback and the baseline plot."""

from __future__ import annotations

import math
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import text  # noqa: E402


# --- make_windows -------------------------------------------------------------------------------

def test_make_windows_shifts_the_target_by_one_character():
    x, y = text.make_windows(np.arange(10), 4)
    np.testing.assert_array_equal(x, [[0, 1, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(y, [[1, 2, 3, 4], [5, 6, 7, 8]])
    assert x.dtype == np.int32 and y.dtype == np.int32


@pytest.mark.parametrize("n, seq_len, stride", [(57, 5, 1), (57, 5, 3), (8, 4, 4), (9, 4, 4), (5, 4, 4), (4, 4, 4),
                                                (3, 4, 4), (101, 100, 100)])
def test_make_windows_keeps_every_window_whose_target_fits(n, seq_len, stride):
    ids = np.random.default_rng(0).integers(0, 65, size=n)
    x, y = text.make_windows(ids, seq_len, stride)
    starts = [s for s in range(0, n, stride) if s + seq_len + 1 <= n]
    assert x.shape == y.shape == (len(starts), seq_len)
    for j, s in enumerate(starts):
        np.testing.assert_array_equal(x[j], ids[s:s + seq_len])
        np.testing.assert_array_equal(y[j], ids[s + 1:s + seq_len + 1])


def test_make_windows_rejects_bad_arguments():
    with pytest.raises(ValueError, match="1-D"):
        text.make_windows(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="positive"):
        text.make_windows(np.arange(5), 0)


# --- sample_with_temperature --------------------------------------------------------------------

def test_temperature_zero_is_the_argmax_of_each_row():
    logits = np.random.default_rng(0).normal(size=(3, 4, 7))
    np.testing.assert_array_equal(text.sample_with_temperature(logits, 0, None), logits.argmax(-1))


def test_sampling_frequencies_match_the_softmax_of_the_scaled_logits():
    row = np.array([2.0, 1.0, 0.0, -1.0])
    for t in (0.5, 1.0, 2.0):
        draws = text.sample_with_temperature(np.tile(row, (50_000, 1)), t, np.random.default_rng(1))
        freq = np.bincount(draws, minlength=4) / len(draws)
        np.testing.assert_allclose(freq, text.softmax(row / t), atol=0.01)


def test_the_same_seed_gives_the_same_sample_and_another_seed_another():
    logits = np.zeros((300, 5))
    a = text.sample_with_temperature(logits, 1.0, np.random.default_rng(3))
    b = text.sample_with_temperature(logits, 1.0, np.random.default_rng(3))
    c = text.sample_with_temperature(logits, 1.0, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_sampling_is_stable_for_tiny_temperatures_and_huge_logits():
    with np.errstate(over="raise", invalid="raise"):
        tiny = text.sample_with_temperature(np.tile([1.0, 3.0, 2.0], (100, 1)), 1e-9, np.random.default_rng(0))
        big = text.sample_with_temperature(np.tile([1000.0, 1001.0], (20_000, 1)), 1.0, np.random.default_rng(0))
    assert np.all(tiny == 1)
    assert abs(np.mean(big == 1) - 1 / (1 + math.exp(-1))) < 0.015


def test_one_dimensional_logits_give_one_id_and_negative_temperatures_are_refused():
    out = text.sample_with_temperature(np.array([0.0, 5.0, 0.0]), 0.01, np.random.default_rng(0))
    assert np.shape(out) == () and int(out) == 1
    with pytest.raises(ValueError, match=">= 0"):
        text.sample_with_temperature(np.zeros(3), -1.0, np.random.default_rng(0))


def test_softmax_sums_to_one_without_overflow():
    p = text.softmax(np.array([[1000.0, 1000.0, 0.0], [1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(p.sum(-1), [1.0, 1.0])
    np.testing.assert_allclose(p[1], [0.09003057, 0.24472847, 0.66524096], rtol=1e-6)


# --- ngram_nll ----------------------------------------------------------------------------------

def _counter_nll(train, evaluation, n, v, k):
    grams = Counter(tuple(train[i - n + 1:i + 1]) for i in range(n - 1, len(train)))
    contexts = Counter(tuple(train[i - n + 1:i]) for i in range(n - 1, len(train)))
    terms = [-math.log((grams[tuple(evaluation[i - n + 1:i + 1])] + k) / (contexts[tuple(evaluation[i - n + 1:i])] + k * v))
             for i in range(n - 1, len(evaluation))]
    return sum(terms) / len(terms)


def test_ngram_nll_matches_a_hand_computed_bigram():
    got = text.ngram_nll(np.array([0, 1, 0, 1, 1]), np.array([0, 1, 1]), 2, 2, 1.0)
    assert math.isclose(got, -(math.log(0.75) + math.log(0.5)) / 2, rel_tol=1e-12)


@pytest.mark.parametrize("n, v, k", [(1, 5, 1.0), (2, 4, 0.5), (3, 3, 1.0), (3, 6, 0.01), (4, 3, 0.1), (6, 65, 0.3)])
def test_ngram_nll_matches_a_counter_reference(n, v, k):
    rng = np.random.default_rng(n * 10 + v)
    train, evaluation = rng.integers(0, v - 1, size=400).tolist(), rng.integers(0, v, size=90).tolist()
    assert math.isclose(text.ngram_nll(np.array(train), np.array(evaluation), n, v, k),
                        _counter_nll(train, evaluation, n, v, k), rel_tol=1e-9)


def test_an_unseen_context_costs_ln_v_and_an_empty_training_text_too():
    assert math.isclose(text.ngram_nll(np.zeros(5, int), np.ones(4, int), 3, 7, 0.5), math.log(7), rel_tol=1e-12)
    assert math.isclose(text.ngram_nll(np.zeros(0, int), np.ones(4, int), 2, 7, 0.5), math.log(7), rel_tol=1e-12)


def test_ngram_nll_refuses_what_it_cannot_score():
    with pytest.raises(ValueError, match="more than n - 1"):
        text.ngram_nll(np.arange(5), np.arange(2), 3, 5)
    with pytest.raises(ValueError, match="n >= 1 and k > 0"):
        text.ngram_nll(np.arange(5), np.arange(5), 2, 5, k=0.0)
    with pytest.raises(ValueError, match="too large"):
        text.ngram_nll(np.arange(5), np.arange(5), 12, 65)


# --- plumbing -----------------------------------------------------------------------------------

def test_solved_or_falls_back_once_while_the_exercise_is_unsolved(capsys):
    def exercise(x):
        raise NotImplementedError

    call = text.solved_or(exercise, lambda x: x + 1)
    assert call(1) == 2 and call(2) == 3
    assert capsys.readouterr().out.count("not written yet") == 1
    assert text.solved_or(lambda x: x * 10, lambda x: -1)(2) == 20


def test_solved_or_does_not_hide_other_errors():
    def broken(x):
        raise ValueError("a bug in the student's code")

    with pytest.raises(ValueError, match="student"):
        text.solved_or(broken, lambda x: x)(1)


def test_nats_to_bits_divides_by_ln2():
    assert math.isclose(text.nats_to_bits(math.log(65)), math.log2(65))
    np.testing.assert_allclose(text.nats_to_bits(np.array([math.log(2), math.log(4)])), [1.0, 2.0])


def test_sample_stats_counts_characters_known_words_and_repeats():
    sample = "the cat the cat"
    stats = text.sample_stats(sample, {"the"}, n=3)
    assert stats["distinct_chars"] == 6            # t, h, e, space, c, a
    assert stats["known_words"] == 0.5             # "the" twice of four words
    grams = [sample[i:i + 3] for i in range(len(sample) - 2)]
    assert len(grams) == 13
    assert math.isclose(stats["repeated_ngrams"], sum(Counter(grams)[g] > 1 for g in grams) / 13)
    assert math.isclose(text.sample_stats("abcdefgh", set(), n=3)["repeated_ngrams"], 0.0)


def test_sample_stats_of_an_empty_sample_are_not_a_number():
    stats = text.sample_stats("", set())
    assert stats["distinct_chars"] == 0 and math.isnan(stats["known_words"]) and math.isnan(stats["repeated_ngrams"])


def test_elapsed_minutes_adds_the_clock_to_the_logs_from_a_start_value():
    callback = text.ElapsedMinutes(start_minutes=2.5)
    callback.on_train_begin()
    logs = {"loss": 1.0}
    callback.on_epoch_end(0, logs)
    assert 2.5 <= logs["minutes"] < 2.6 and logs["loss"] == 1.0


def test_plot_against_baselines_draws_curves_baselines_target_and_bits_axis():
    ax = text.plot_against_baselines([1, 2, 3], [3.0, 2.5, 2.0], [2.9, 2.4, 1.9], {"uniform": 4.17, "3-gram": 2.0},
                                     target=1.6)
    assert len(ax.lines) == 2 + 2 + 1
    assert ax.get_title() and "nats" in ax.get_ylabel() and "minutes" in ax.get_xlabel()
    assert any("bits" in child.get_ylabel() for child in ax.child_axes)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "target: 1.60" in labels and any(label.startswith("3-gram") for label in labels)
    plt.close("all")
