"""The `allocator` command line, built on the public API (`allocator.__all__`) only."""
