"""Yearly-volume benchmarks of casetrack: `python -m benchmarks --size small|year|decade`.

Every workload is timed as the median of several runs and set beside a baseline
measured in the same run (raw SQL, plain eventsourcing, a plain Python report), so
that the results read as ratios on a shared, noisy machine. See RESULTS.md.
"""
