"""Algorithms by name, as the command line, the settings and the simulators refer to them."""

from __future__ import annotations

from collections.abc import Callable

from abr.api import Abr
from abr.bba import Bba
from abr.bola import Bola, BolaE
from abr.dynamic import Dynamic
from abr.marquee import Marquee
from abr.mpc import RobustMpc
from abr.rate import RateBased

_FACTORIES: dict[str, Callable[..., Abr]] = {
    cls.name: cls for cls in (RateBased, Bba, Bola, BolaE, Dynamic, RobustMpc, Marquee)
}

NAMES: tuple[str, ...] = tuple(_FACTORIES)


def create(name: str, **options: object) -> Abr:
    """A fresh instance of the algorithm called ``name``; ``options`` go to its constructor."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown ABR algorithm {name!r}; known: {', '.join(NAMES)}") from None
    return factory(**options)
