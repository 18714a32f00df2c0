"""casetrack: QualiPARIS delay engagements 17 to 19 of the CASVP sections, as event streams."""

__version__ = "0.1.0"
