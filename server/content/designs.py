"""Picture and sound recipes for the synthetic clips, as ffmpeg filtergraph fragments.

Each design draws a visually distinct moving picture (so a viewer can tell the clips apart and
see motion) and a distinct sound (so a listener can tell which clip's audio plays).  A recipe
yields two labelled pads, ``[src]`` (video at the requested size, 24 fps) and ``[aud]`` (stereo
48 kHz), both exactly ``duration`` seconds long.
"""

from __future__ import annotations

from dataclasses import dataclass

from .profile import AUDIO_SAMPLE_RATE, FRAME_RATE

AAC_FRAME_SAMPLES = 1024


@dataclass(frozen=True)
class Design:
    """``video`` and ``audio`` are filter chains with ``{w}``, ``{h}``, ``{d}``, ``{r}``, ``{sr}``
    placeholders; ``video`` must end at the requested size."""

    video: str
    audio: str


# A translucent square travelling on a Lissajous path, so every design has an obvious moving
# element even where its background changes slowly.
_MOVER = (
    "color=c=0xffffff@0.55:s={mw}x{mw}:r={r}:d={d},format=rgba[mover];"
    "[bg][mover]overlay=x='(W-w)*(0.5+0.45*sin(t*0.9))':y='(H-h)*(0.5+0.45*sin(t*0.55))'"
    ":shortest=1:format=auto"
)

DESIGNS: dict[str, Design] = {
    # Slowly rotating four-colour gradients, drawn at a quarter of the size and converted to YUV
    # before scaling up (smooth gradients scale up without visible loss; the filtergraph is
    # single-threaded, so its cost matters); a soft A-minor chord with a slow tremolo.
    "aurora": Design(
        video=(
            "gradients=s={w4}x{h4}:r={r}:d={d}:c0=0x0b1d51:c1=0x1fa2ff:c2=0x12d8fa:c3=0xa6ffcb"
            ":nb_colors=4:speed=0.02,format=yuv420p,scale={w}:{h}:flags=bicubic,setsar=1[bg];"
            + _MOVER
        ),
        audio=(
            "aevalsrc='(0.5+0.2*sin(2*PI*0.5*t))*(0.12*sin(2*PI*220*t)+0.08*sin(2*PI*261.63*t))"
            "|(0.5+0.2*sin(2*PI*0.5*t))*(0.12*sin(2*PI*329.63*t)+0.08*sin(2*PI*440*t))'"
            ":s={sr}:d={d}"
        ),
    ),
    # A Mandelbrot zoom drawn at a quarter of the size (the fractal is the costly part); a wobbling
    # tone, slightly detuned between the channels.
    "fractal": Design(
        video=(
            "mandelbrot=s={w4}x{h4}:r={r}:inner=period,trim=duration={d},format=yuv420p,"
            "scale={w}:{h}:flags=bicubic,setsar=1[bg];" + _MOVER
        ),
        audio=(
            "aevalsrc='0.2*sin(2*PI*(330+30*sin(2*PI*0.25*t))*t)"
            "|0.2*sin(2*PI*(332+30*sin(2*PI*0.25*t))*t)':s={sr}:d={d}"
        ),
    ),
    # Conway's life with mould colouring, drawn small and scaled up with hard pixel edges;
    # a high tone with a beep every second.
    "colony": Design(
        video=(
            "life=s={w6}x{h6}:r={r}:ratio=0.12:mold=12:life_color=0x40ff80"
            ":death_color=0x802040:mold_color=0x203060,trim=duration={d},"
            "scale={w}:{h}:flags=neighbor,setsar=1,format=yuv420p[bg];" + _MOVER
        ),
        audio="sine=frequency=523.25:beep_factor=2:sample_rate={sr}:duration={d}",
    ),
    # ffmpeg's test pattern (it has its own moving parts); different tones left and right.
    "signal": Design(
        video="testsrc2=s={w}x{h}:r={r}:d={d}[bg];" + _MOVER,
        audio="aevalsrc='0.15*sin(2*PI*1000*t)|0.15*sin(2*PI*1500*t)':s={sr}:d={d}",
    ),
}


def source_graph(design: str, width: int, height: int, duration_s: int) -> str:
    """The filtergraph text producing ``[src]`` and ``[aud]`` for ``design``."""
    recipe = DESIGNS[design]
    values = {
        "w": width,
        "h": height,
        "w4": _even(width // 4),
        "h4": _even(height // 4),
        "w6": _even(width // 6),
        "h6": _even(height // 6),
        "mw": _even(height // 6),
        "d": duration_s,
        "r": FRAME_RATE,
        "sr": AUDIO_SAMPLE_RATE,
    }
    video = recipe.video.format(**values) + ",format=yuv420p[src]"
    audio = (recipe.audio.format(**values)
             + f",aformat=channel_layouts=stereo,atrim=end_sample={_audio_samples(duration_s)}[aud]")
    return f"{video};\n{audio}"


def _audio_samples(duration_s: int) -> int:
    """Input samples such that the encoded AAC, with its one frame of encoder priming, does not
    outlast the video (which would add a sliver of a last audio segment)."""
    frames = duration_s * AUDIO_SAMPLE_RATE // AAC_FRAME_SAMPLES
    return (frames - 1) * AAC_FRAME_SAMPLES


def _even(n: int) -> int:
    return n - n % 2
