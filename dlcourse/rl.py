"""Reinforcement-learning helpers shared by the notebooks of chapter 7.

Environments come from Gymnasium 1.x (``reset -> (obs, info)``, ``step -> (obs, reward,
terminated, truncated, info)``); Atari games from ale-py, whose wheel ships the ROMs.
Everything renders off-screen (``render_mode="rgb_array"``): no window ever opens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np


def make_env(env_id: str, seed: int | None = None, render: bool = False, **kwargs):
    """``gym.make(env_id)`` with Atari registered, off-screen rendering, and seeded spaces.

    The environment itself is seeded by the first ``reset(seed=...)``; ``seed`` here seeds
    the action and observation spaces, so ``env.action_space.sample()`` is reproducible.
    """
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame must not look for a display
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import gymnasium as gym

    if env_id.startswith("ALE/"):
        import ale_py
        gym.register_envs(ale_py)
    env = gym.make(env_id, render_mode="rgb_array" if render else None, **kwargs)
    if seed is not None:
        env.action_space.seed(seed)
        env.observation_space.seed(seed)
    return env


@dataclass
class Episode:
    """One finished episode: its total reward, its length, and the frames if rendered."""
    total_reward: float
    length: int
    frames: list = field(default_factory=list, repr=False)


def run_episode(env, policy, seed: int | None = None, max_steps: int | None = None,
                render: bool = False, max_frames: int = 300) -> Episode:
    """Play one episode with ``policy(observation) -> action``; stop when it terminates,
    is truncated, or after ``max_steps`` steps. With ``render``, keep the first ``max_frames``
    frames only (a CartPole frame is 0.7 MB; a 500-step episode would hold 360 MB)."""
    observation, _ = env.reset(seed=seed)
    total, steps, frames = 0.0, 0, []
    if render:
        frames.append(env.render())
    while max_steps is None or steps < max_steps:
        observation, reward, terminated, truncated, _ = env.step(policy(observation))
        total += float(reward)
        steps += 1
        if render and len(frames) < max_frames:
            frames.append(env.render())
        if terminated or truncated:
            break
    return Episode(total, steps, frames)


def evaluate(env, policy, n_episodes: int, seed: int = 0, max_steps: int | None = None) -> np.ndarray:
    """Total rewards of ``n_episodes`` episodes, seeded ``seed, seed + 1, ...`` so that two
    policies can be compared on the same starting states."""
    return np.array([run_episode(env, policy, seed=seed + i, max_steps=max_steps).total_reward
                     for i in range(n_episodes)])


def running_average(values, window: int = 100) -> np.ndarray:
    """Mean of the last ``window`` values at each position (fewer at the start), same length as ``values``."""
    values = np.asarray(values, dtype=float)
    cumsum = np.concatenate([[0.0], np.cumsum(values)])
    starts = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (cumsum[1:] - cumsum[starts]) / (np.arange(1, len(values) + 1) - starts)


def plot_episode_rewards(rewards, window: int = 100, target: float | None = None, ax=None,
                         title: str = "Reward per episode", label: str = "episode reward"):
    """Episode rewards with their ``window``-episode running average and an optional target line."""
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots()[1]
    episodes = np.arange(1, len(rewards) + 1)
    ax.plot(episodes, rewards, alpha=0.35, label=label)
    ax.plot(episodes, running_average(rewards, window), lw=2, label=f"{window}-episode average")
    if target is not None:
        ax.axhline(target, color="k", ls="--", lw=1, label=f"target {target:g}")
    ax.set(title=title, xlabel="episode", ylabel="total reward")
    ax.legend()
    return ax


def show_frames(frames, n: int = 6, title: str | None = None):
    """``n`` frames spread evenly over an episode, captioned with their step number."""
    from .plots import show_images

    idx = np.linspace(0, len(frames) - 1, num=min(n, len(frames))).astype(int)
    return show_images([frames[i] for i in idx], labels=[f"step {i}" for i in idx], n_cols=len(idx),
                       cmap=None, title=title)


def animate(frames, fps: int = 30, max_frames: int = 200):
    """An inline HTML animation of (at most ``max_frames``) frames, for Jupyter to display."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib import animation

    frames = frames[:max_frames]
    fig, ax = plt.subplots(figsize=(frames[0].shape[1] / 80, frames[0].shape[0] / 80))
    ax.axis("off")
    image = ax.imshow(frames[0])
    anim = animation.FuncAnimation(fig, lambda i: [image.set_data(frames[i])], frames=len(frames),
                                   interval=1000 / fps)
    html = HTML(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    return html
