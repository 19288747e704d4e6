"""The UI's files in a built wheel: the QML and the fonts must come along, and the app must find
them where the wheel puts them (site-packages), not only in the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "player", "abr", "drm", "ui", "server", "assets")

# Run from the installed copy: which files it uses, and which font families Qt then knows.
PROBE = """
import json, sys
from PySide6.QtGui import QGuiApplication
import ui, ui.app
app = QGuiApplication(sys.argv)
print(json.dumps({"ui": ui.__file__, "qml": str(ui.app.QML_DIR), "fonts": str(ui.app.FONTS_DIR),
                  "families": sorted(ui.app.load_fonts())}))
"""


def test_the_wheel_carries_qml_and_fonts_and_the_installed_app_finds_them(tmp_path: Path) -> None:
    # Build from a copy, so the shared tree gets no build/ or egg-info of ours.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("marquee-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for qml in (ROOT / "ui" / "qml").glob("*.qml"):
        assert f"ui/qml/{qml.name}" in names
    for font in (ROOT / "assets" / "fonts").iterdir():
        assert f"assets/fonts/{font.name}" in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(target), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert Path(found["ui"]).is_relative_to(target)  # the installed copy, not the source tree
    assert Path(found["qml"], "Main.qml").is_file() and Path(found["fonts"]).is_relative_to(target)
    assert {"Inter", "JetBrains Mono"} <= set(found["families"])
