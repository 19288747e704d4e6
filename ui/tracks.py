"""The audio and subtitle menus' model: the languages a title offers and the one in use.

The choices come from the player's ``Loaded`` event and the current one from ``TrackSelected``
(the player's word on what is really playing, not what was asked for), so a menu never marks a
language the player has not switched to.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QLocale, QObject, Signal

from player.events import Loaded, PlayerEvent, TrackSelected
from player.tracks import OFF


def language_name(code: str) -> str:
    """A language tag in words, as the rest of the UI speaks (English): ``de`` -> ``German``,
    ``pt-BR`` -> ``Portuguese (Brazil)``; the tag itself when Qt does not know it."""
    if not code or code == "und":
        return "Unknown"
    tag = code.replace("_", "-")
    locale = QLocale(tag)
    if locale.language() == QLocale.Language.C:
        return code
    name = QLocale.languageToString(locale.language())
    region = any(len(sub) == 2 or sub.isdigit() for sub in tag.split("-")[1:])  # not a script
    if region and locale.territory() != QLocale.Country.AnyTerritory:
        name += f" ({QLocale.territoryToString(locale.territory())})"
    return name


def _choice(code: str, current: str) -> dict[str, object]:
    name = "Off" if code == OFF else language_name(code)
    return {"code": code, "name": name, "current": code == current}


class TrackChoices(QObject):
    """``playback.tracks`` in QML: ``audio`` and ``subtitles`` as lists of
    ``{code, name, current}``; subtitles start with "Off"."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._audio: tuple[str, ...] = ()
        self._subtitles: tuple[str, ...] = ()
        self._audio_current = ""
        self._subtitle_current = OFF

    audio = Property("QVariantList", lambda self: [_choice(c, self._audio_current) for c in self._audio],
                     notify=changed)
    subtitles = Property("QVariantList",
                         lambda self: [_choice(c, self._subtitle_current) for c in (OFF, *self._subtitles)],
                         notify=changed)
    audioCurrent = Property(str, lambda self: self._audio_current, notify=changed)
    subtitleCurrent = Property(str, lambda self: self._subtitle_current, notify=changed)
    audioName = Property(str, lambda self: language_name(self._audio_current) if self._audio_current else "",
                         notify=changed)
    subtitleName = Property(str, lambda self: _choice(self._subtitle_current, "")["name"], notify=changed)

    def reset(self) -> None:
        """A new title: nothing to choose until it is loaded."""
        self._audio, self._subtitles = (), ()
        self._audio_current, self._subtitle_current = "", OFF
        self.changed.emit()

    def on_event(self, event: PlayerEvent) -> None:
        if isinstance(event, Loaded):
            # A language may come in several codecs or bitrates: the menu lists it once.
            self._audio = tuple(dict.fromkeys(event.audio_languages))
            self._subtitles = tuple(dict.fromkeys(event.subtitle_languages))
        elif isinstance(event, TrackSelected):
            if event.kind == "audio":
                self._audio_current = event.language
            else:
                self._subtitle_current = event.language
        else:
            return
        self.changed.emit()
