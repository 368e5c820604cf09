"""The inbox on disk: scanning, claiming by rename, and where files end up.

Lifecycle of a file: inbox -> (atomic rename) processing/<watcher>/<claim>/<name>
-> published -> done/<YYYY-MM-DD>/<name> (or deleted, or renamed back into the inbox
and remembered as published, per done_policy);
or -> error/<name> with <name>.error.json beside it.

Each watcher has its own folder in processing/, guarded by an flock on
processing/<watcher>.lock for as long as it runs. A file sitting in processing
after a crash is picked up again: by the same watcher at its restart, or by any
other watcher once the dead one's lock is free (it adopts the folder's claims
by rename). Whether such a file was already published is known from Redis (see
services.ingest.recovery); downstream is idempotent on the content hash either way.

Names (see services.ingest.paths): a Claimed file carries its path relative to the
inbox as it is on disk (``relative``, what every move uses) and in display form
(``source_name``, JSON-safe and lossless, what events and logs carry). Names that
come back in stream events are untrusted: to_error and find_archived validate them
(paths.check_relative) and reach folders with paths.open_folder, so they never
leave done/ or error/ nor follow a link; nothing but a regular file with one link
is ever opened. Inbox folders are entered the same way when claiming and putting
files back, and scans never follow a link (what they leave alone, they report).

The inbox's roles, one class each: Folders (where everything is, usable, locked; adopting the
claims of dead watchers), Scanner (scanning.py: which files are candidates), Claims (claims.py:
taking files and finding them again after a crash) and Archive (archive.py: where files end up,
error reports included). An Inbox is the Folders with the other three, and offers each role's
methods under the names they have always had.
"""

from __future__ import annotations

from services.ingest.archive import Archive
from services.ingest.claims import Claimed, Claims
from services.ingest.config import IngestSettings
from services.ingest.folders import Folders
from services.ingest.paths import UnsafeName
from services.ingest.scanning import NameFilter, OnSkip, Scanner

__all__ = ["Claimed", "Inbox", "OnSkip", "UnsafeName"]


class Inbox(Folders):
    def __init__(self, settings: IngestSettings, *, owner: str = "") -> None:
        super().__init__(settings, owner=owner)
        self.scanner = Scanner(self, NameFilter(settings.include, settings.exclude))
        self.claims = Claims(self)
        self.archive = Archive(self)
        self.accepts = self.scanner.accepts
        self.scan = self.scanner.scan
        self.scan_folder = self.scanner.scan_folder
        self.claim = self.claims.claim
        self.release_claim = self.claims.release_claim
        self.recover = self.claims.recover
        self.finish = self.archive.finish
        self.reject = self.archive.reject
        self.find_archived = self.archive.find_archived
        self.to_error = self.archive.to_error
        self.to_error_untrusted = self.archive.to_error_untrusted
