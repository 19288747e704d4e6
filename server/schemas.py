"""The API's request and response bodies (they also make the OpenAPI document)."""

from __future__ import annotations

import math

from pydantic import BaseModel, Field, field_validator


class ErrorBody(BaseModel):
    error: str


class Health(BaseModel):
    status: str = "ok"


class TitleSummary(BaseModel):
    id: str
    title: str
    year: int
    duration_s: float
    genres: list[str]
    rating: str
    poster_url: str = Field(description="absolute URL of the 2:3 poster (JPEG)")
    backdrop_url: str = Field(description="absolute URL of the 16:9 backdrop (JPEG)")
    progress_s: float = Field(description="resume position; 0 when not started or finished")
    protected: bool = Field(description="encrypted: plays with keys from the ClearKey licence endpoint")


class TitleDetail(TitleSummary):
    synopsis: str
    clip: str = Field(description="id of the media clip the title plays")


class Row(BaseModel):
    id: str
    title: str
    items: list[TitleSummary]


class Home(BaseModel):
    rows: list[Row]


class SearchResults(BaseModel):
    results: list[TitleSummary]


class Manifests(BaseModel):
    dash: str | None = Field(description="absolute URL of the DASH MPD; null when the title has none")
    hls: str | None = Field(description="absolute URL of the HLS master playlist; null when the title "
                                        "has none. For AES-128 titles it carries the playback token "
                                        "(?token=), which the origin passes on to the key URIs")


class PlaybackInfo(BaseModel):
    title_id: str
    manifests: Manifests
    license_url: str | None = Field(description="ClearKey licence endpoint; null for clear content")
    token: str = Field(description="opaque playback session token")
    collector_url: str | None = Field(description="QoE collector endpoint; null when none")
    resume_s: float


class ProgressReport(BaseModel):
    position_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)

    @field_validator("position_s", "duration_s")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
