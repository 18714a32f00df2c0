"""The synthetic-data generator: seeded years of CASVP dossiers, written as the weekly PIAF
extracts and TOPVIR files a site receives (`casetrack generate`, `casetrack demo`).

- `model`: the dossiers' lives, drawn from one `random.Random(seed)`;
- `files`: what PIAF and TOPVIR would have exported each Friday;
- `generator`: `generate`, which ties both to a folder.

It is test and demo data only: no code path of the product reads it.
"""

from adapters.synthetic.generator import GeneratedFiles, generate

__all__ = ["GeneratedFiles", "generate"]
