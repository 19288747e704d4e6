"""Offline tooling around the pure ABR package: trace and video readers, simulators, the offline
optimum, comparison runs, plots and the ``marquee abr`` command line.

Unlike :mod:`abr` itself, modules here read files and use processes; nothing in the player imports
them.
"""
