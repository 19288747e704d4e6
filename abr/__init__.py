"""Rate adaptation: decisions from numbers, no I/O and no Qt.

:mod:`abr.api` is the interface schedulers use; :mod:`abr.registry` creates algorithms by name
(``rate``, ``bba``, ``bola``, ``bola-e``, ``dynamic``, ``robustmpc``, ``marquee``); :mod:`abr.estimators`
and :mod:`abr.qoe` hold the throughput estimators and the QoE scores. The offline tooling
(simulators, trace readers, the offline optimum, plots) lives in :mod:`abr.sim`, and the
``marquee abr`` command in :mod:`abr.cli`; the player imports neither.
"""
