"""Offline tooling around the pure ABR package: trace and video readers, simulators, the offline
optimum, comparison runs, plots and the ``marquee abr`` command line.

Unlike :mod:`abr` itself, modules here read files and use processes. Nothing on the playback path
imports them; the player's simulation model and its manifest reader for simulations
(:mod:`player.simulator`, :mod:`player.videos`) build on them.
"""
