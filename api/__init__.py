"""HTTP face of the allocator: FastAPI app, SQLite job store, worker processes.

Start it with `allocator serve` or `uvicorn api.app:create_app --factory`. The package
imports `allocator` and `geo`, never the other way round.
"""
