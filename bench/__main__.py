"""Run every benchmark module and print one line per measurement.

To add a benchmark, write a module in this package with a ``run()`` that
yields `bench.report.Result`s, and add its name to ``BENCHMARKS``.
"""

import importlib
import logging
import sys
import time

BENCHMARKS = ("bench.graph", "bench.kpis", "bench.journey_page")

logger = logging.getLogger("bench")


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    failed = []
    started = time.monotonic()
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        try:
            for result in importlib.import_module(name).run():
                print(result.line(), flush=True)
        except Exception:
            logger.exception("benchmark %s failed", name)
            failed.append(name)
    print(
        f"== {len(BENCHMARKS)} benchmark modules in {time.monotonic() - started:.0f} s"
    )
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
