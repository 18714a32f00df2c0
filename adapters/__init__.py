"""Adapters that read PIAF extracts and TOPVIR files into casetrack's value objects."""
