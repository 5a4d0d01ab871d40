"""On-demand benchmarks (never collected by pytest): see benchmarks/README.md."""
