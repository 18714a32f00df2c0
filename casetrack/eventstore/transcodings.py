"""Transcodings for the values event payloads carry beyond JSON's own types."""

from __future__ import annotations

from datetime import date

from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    """A calendar date as `AAAA-MM-JJ`."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        """Encode a date."""
        return obj.isoformat()

    def decode(self, data: str) -> date:
        """Decode a date."""
        return date.fromisoformat(data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every transcoding casetrack events need, on any transcoder that decodes them."""
    transcoder.register(DateAsISO())
