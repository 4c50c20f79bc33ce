"""faqbot's quality and speed benchmarks: `python -m benchmarks` (or `make bench`) writes benchmarks/results.md."""
