"""Marquee's player core: manifests, scheduling, fetching, remuxing, and libmpv output. Qt-free."""

from player.events import State
from player.player import Player

__all__ = ["Player", "State"]
