"""The reinforcement-learning helpers: environments, episodes, running averages."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import rl  # noqa: E402


def test_running_average_uses_fewer_values_at_the_start():
    np.testing.assert_allclose(rl.running_average([1, 2, 3, 4, 5], window=2), [1, 1.5, 2.5, 3.5, 4.5])
    np.testing.assert_allclose(rl.running_average(np.arange(300.0), window=100)[-1], np.arange(200.0, 300.0).mean())


def test_run_episode_follows_the_gymnasium_1_api_and_stops_at_termination():
    env = rl.make_env("CartPole-v1", seed=0)
    episode = rl.run_episode(env, lambda obs: 0, seed=1)  # always push left: falls within ~10 steps
    assert 5 <= episode.length < 30 and episode.total_reward == episode.length


def test_run_episode_respects_max_steps_and_renders_frames():
    env = rl.make_env("CartPole-v1", seed=0, render=True)
    episode = rl.run_episode(env, lambda obs: int(obs[2] > 0), seed=0, max_steps=5, render=True)
    assert episode.length == 5 and len(episode.frames) == 6 and episode.frames[0].shape == (400, 600, 3)


def test_run_episode_keeps_at_most_max_frames():
    env = rl.make_env("CartPole-v1", seed=0, render=True)
    episode = rl.run_episode(env, lambda obs: int(obs[2] + obs[3] > 0), seed=0, max_steps=40, render=True,
                             max_frames=10)
    assert episode.length == 40 and len(episode.frames) == 10


def test_evaluate_is_reproducible_for_a_seed():
    env = rl.make_env("CartPole-v1", seed=0)
    policy = lambda obs: int(obs[2] + obs[3] > 0)  # noqa: E731  (a decent hand-written controller)
    first, second = rl.evaluate(env, policy, 3, seed=7), rl.evaluate(env, policy, 3, seed=7)
    np.testing.assert_array_equal(first, second)
    assert first.mean() > 100


@pytest.mark.slow
def test_atari_breakout_comes_with_its_rom():
    env = rl.make_env("ALE/Breakout-v5", seed=0, render=True)
    observation, info = env.reset(seed=0)
    assert observation.shape == (210, 160, 3) and info["lives"] == 5


def test_plot_episode_rewards_labels_axes_and_target():
    ax = rl.plot_episode_rewards(np.arange(10.0), window=3, target=5)
    assert ax.get_xlabel() == "episode" and ax.get_ylabel() == "total reward"
    assert [line.get_label() for line in ax.lines] == ["episode reward", "3-episode average", "target 5"]
