"""The invented titles of the demo catalog.  Several titles share a clip: the catalog is about
browsing, the clips about playback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TitleSpec:
    id: str
    title: str
    year: int
    genres: tuple[str, ...]
    rating: str
    clip: str  # preferred clip design; see catalog.assign_clip
    synopsis: str


TITLES: tuple[TitleSpec, ...] = (
    TitleSpec("northern-lights", "Northern Lights", 2025, ("Drama", "Romance"), "PG", "aurora",
              "Two night-shift astronomers at a remote observatory fall for each other while "
              "chasing the aurora that the station's failing camera can no longer record."),
    TitleSpec("the-infinite-coast", "The Infinite Coast", 2024, ("Sci-Fi", "Mystery"), "PG-13",
              "fractal",
              "A cartographer discovers that the shoreline she is mapping grows longer every "
              "time she measures it, and that someone else is measuring too."),
    TitleSpec("colony", "Colony", 2023, ("Documentary",), "G", "colony",
              "A patient, funny portrait of a bacterial colony over thirty days, narrated by "
              "the microbiologist who refused to throw the petri dish away."),
    TitleSpec("dead-air", "Dead Air", 2022, ("Thriller",), "R", "signal",
              "A late-night radio host receives calls describing crimes that have not happened "
              "yet, each one interrupted by the same test tone."),
    TitleSpec("glass-harbour", "Glass Harbour", 2021, ("Drama",), "PG-13", "aurora",
              "Three generations of a glass-blowing family decide whether to sell the harbour "
              "workshop that has kept them together and apart."),
    TitleSpec("recursion", "Recursion", 2025, ("Sci-Fi", "Thriller"), "R", "fractal",
              "An engineer wakes inside a simulation of her own lab and must debug it from "
              "within before the next iteration overwrites her."),
    TitleSpec("game-of-life", "Game of Life", 2020, ("Comedy", "Family"), "PG", "colony",
              "A retired mathematician and his restless grandson turn the family garden into a "
              "giant cellular automaton, to the horror of the neighbours."),
    TitleSpec("test-pattern", "Test Pattern", 2019, ("Comedy",), "PG-13", "signal",
              "The last employees of a small-town television station try to stay on the air "
              "for one final, increasingly chaotic broadcast."),
    TitleSpec("solar-wind", "Solar Wind", 2024, ("Documentary", "Science"), "G", "aurora",
              "From the sun's corona to the polar sky: the journey of a single gust of charged "
              "particles, told with the instruments that follow it."),
    TitleSpec("the-deep-zoom", "The Deep Zoom", 2023, ("Sci-Fi", "Adventure"), "PG-13", "fractal",
              "A crew of explorers shrinks into a shape that has no bottom, and learns that "
              "every level they pass looks a little more like home."),
    TitleSpec("petri", "Petri", 2018, ("Horror",), "R", "colony",
              "Something in the university's sealed laboratory is growing in patterns, and the "
              "patterns are starting to spell words."),
    TitleSpec("interference", "Interference", 2021, ("Thriller", "Mystery"), "PG-13", "signal",
              "A signals analyst notices that every blackout in the city is preceded by the same "
              "eleven seconds of colour bars."),
    TitleSpec("after-the-storm", "After the Storm", 2026, ("Drama",), "PG", "aurora",
              "A weather forecaster returns to the island she evacuated ten years ago to "
              "find that the people who stayed have stopped believing forecasts."),
    TitleSpec("spirals", "Spirals", 2022, ("Animation", "Family"), "G", "fractal",
              "A young snail sets out to find the end of the spiral on her shell and meets "
              "the strangest creatures of the hedge along the way."),
    TitleSpec("small-worlds", "Small Worlds", 2025, ("Documentary", "Science"), "G", "colony",
              "Under the microscope, a drop of pond water holds cities, wars and love stories. "
              "A series of tiny expeditions."),
    TitleSpec("channel-zero", "Channel Zero", 2017, ("Sci-Fi", "Horror"), "R", "signal",
              "An abandoned channel starts broadcasting again, and everyone who watches it "
              "remembers a childhood they never had."),
    TitleSpec("midnight-sun", "Midnight Sun", 2020, ("Romance",), "PG-13", "aurora",
              "A summer in the far north where the sun never sets, and two strangers who "
              "cannot agree on when the day should end."),
    TitleSpec("self-similar", "Self-Similar", 2024, ("Mystery",), "PG-13", "fractal",
              "A detective investigates a series of burglaries in which each crime scene is a "
              "perfect miniature of the previous one."),
    TitleSpec("the-swarm-keepers", "The Swarm Keepers", 2019, ("Adventure", "Family"), "PG",
              "colony",
              "Two siblings inherit their uncle's bee farm and a map that the bees seem to be "
              "following as well."),
    TitleSpec("broadcast-standard", "Broadcast Standard", 2023, ("Comedy",), "PG", "signal",
              "An obsessive engineer is ordered to make the national broadcaster's test card "
              "more entertaining. Chaos, calibrated."),
    TitleSpec("polar-night", "Polar Night", 2026, ("Thriller",), "R", "aurora",
              "Snowed in for the winter, a research team suspects one of them is not who the "
              "station's records say."),
    TitleSpec("edge-of-the-set", "Edge of the Set", 2021, ("Animation", "Sci-Fi"), "PG",
              "fractal",
              "A tiny robot lives on the boundary of a fractal kingdom, where one step in any "
              "direction changes everything."),
    TitleSpec("pattern-language", "Pattern Language", 2022, ("Documentary",), "G", "colony",
              "Architects, biologists and a knitting circle explain why the same few patterns "
              "keep appearing everywhere in nature and in cities."),
    TitleSpec("the-last-frequency", "The Last Frequency", 2025, ("Drama", "Mystery"), "PG-13",
              "signal",
              "A widowed radio engineer keeps his late wife's amateur station running, until "
              "one night somebody answers her call sign."),
)
