"""Marquee's desktop UI: Qt Quick screens (``ui/qml``), their Python models and bridges, and the
video item that lets libmpv draw into the scene. Entry point: :func:`ui.app.run`."""
