import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from newswire.settings import CommonSettings

Patterns = Annotated[tuple[str, ...], NoDecode]  # parsed by _patterns: a comma-separated list or a JSON array


class IngestSettings(CommonSettings):
    """NEWSWIRE_* settings of the ingest service (see README, Settings)."""

    inbox: Path = Field(default=Path("inbox"), description="The watched folder")
    processing_dir: Path = Field(default=Path("data/processing"), description="Claimed files, until published")
    done_dir: Path = Field(default=Path("data/done"), description="Published files, in dated subfolders")
    error_dir: Path = Field(default=Path("data/error"), description="Rejected files, each with <name>.error.json")
    done_policy: Literal["move", "delete", "keep"] = "move"
    settle_s: float = Field(default=1.0, ge=0, description="A file is taken once unchanged this long")
    rescan_interval_s: float = Field(default=30.0, gt=0, description="Full rescan backstop")
    poll: Literal["auto", "on", "off"] = Field(default="auto", description="Poll instead of OS notifications")
    poll_interval_s: float = Field(default=1.0, gt=0)
    max_file_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_depth: int = Field(default=8, ge=0, description="Subfolder levels below the inbox that are watched")
    publish_batch: int = Field(default=256, ge=1, le=10_000)
    max_lag: int = Field(default=10_000, ge=0, description="Pause intake while the store group lags more (0: never)")
    waitaof: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Archive a file once Redis has its receipt on disk: WAITAOF where the server has it "
        "(auto), required (on), or not waited for (off)",
    )
    durability_grace_s: float = Field(
        default=2.0,
        ge=0,
        description="Where Redis keeps an append-only file but has no WAITAOF: how long a receipt must stay "
        "before its file is archived",
    )
    include: Patterns = Field(
        default=("*",),
        description="Glob patterns of the inbox files to take (comma-separated or a JSON array); a pattern "
        "with a / is matched against the path relative to the inbox, one without against the file name; "
        "case-insensitive",
    )
    exclude: Patterns = Field(
        default=(),
        description="Glob patterns of inbox files to leave alone (logged once as skipped, reason excluded); "
        "they win over include",
    )

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _patterns(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except ValueError as exc:
                    raise ValueError(f"not a JSON array of patterns: {exc}") from None
            else:
                value = text.split(",")
        if isinstance(value, list | tuple):
            patterns = tuple(str(p).strip() for p in value)
            return tuple(p for p in patterns if p)
        return value

    @field_validator("include")
    @classmethod
    def _some_included(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("no patterns: no file would ever be taken (* takes every file)")
        return value
