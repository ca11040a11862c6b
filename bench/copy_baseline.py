"""The COPY baseline run by psycopg's pure-Python implementation, in a child process.

``python -m bench.copy_baseline URL ROWS.pickle`` with ``PSYCOPG_IMPL=python`` in the environment
(psycopg picks its implementation at import, so it takes a process of its own). ROWS.pickle maps
table names to (columns, rows); prints {"seconds": ..., "impl": "python"} as JSON.

Why it exists: the issues calibrate their bars on COPY rates (265,000-330,000 rows/s for the usage
rows, about 0.2 s for the close's rows) that this machine's psycopg reproduces with its
pure-Python implementation, while its C implementation copies 5-10 times faster. ``make bench``
measures both in the same run and reports the ratio to each.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import psycopg

from bench.common import copy_rows


def main() -> int:
    url, path = sys.argv[1], Path(sys.argv[2])
    if psycopg.pq.__impl__ != "python":
        print(f"PSYCOPG_IMPL=python was not honoured (got {psycopg.pq.__impl__})", file=sys.stderr)
        return 2
    tables = pickle.loads(path.read_bytes())
    seconds = sum(copy_rows(url, table, columns, rows) for table, (columns, rows) in tables.items())
    print(json.dumps({"seconds": seconds, "impl": psycopg.pq.__impl__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
