"""Reproducible speed and quality benchmarks (`python -m benchmarks run --help`)."""
