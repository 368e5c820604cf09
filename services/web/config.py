from pydantic import Field, field_validator

from newswire.settings import CommonSettings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class WebSettings(CommonSettings):
    """NEWSWIRE_* settings of the live page (see README, Live page)."""

    web_host: str = Field(default="127.0.0.1", description="Address the page is served on (0.0.0.0: every interface)")
    web_port: int = Field(
        default=8642, ge=0, le=65535, description="Port of the page (`newswire up`: 0 serves no page)"
    )
    web_admin: bool = Field(
        default=False, description="Offer the requeue button (POST /api/dead/{id}/requeue); off: the page only reads"
    )
    web_allowed_hosts: str = Field(
        default="",
        description="Host names the page answers to, comma-separated, besides 127.0.0.1, localhost, ::1 and "
        "NEWSWIRE_WEB_HOST (*: any); others are answered 400, so that a site rebinding its name to this "
        "machine cannot read the page",
    )

    @field_validator("web_port", mode="before")
    @classmethod
    def _blank_port_is_default(cls, value: object) -> object:
        return 8642 if isinstance(value, str) and not value.strip() else value

    def hosts(self) -> frozenset[str] | None:
        """The Host header names accepted (lower case, no port), or None for any."""
        extra = [h.strip().lower().strip("[]") for h in self.web_allowed_hosts.split(",") if h.strip()]
        if "*" in extra:
            return None
        own = self.web_host.strip().lower().strip("[]")
        return frozenset([*LOOPBACK_HOSTS, *extra, *([own] if own not in ("", "0.0.0.0", "::") else [])])
