from pathlib import Path
from typing import Literal

from pydantic import Field

from newswire.settings import CommonSettings


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
