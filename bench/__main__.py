"""`python -m bench [name ...]`: run the named benchmarks, or all of them."""
import importlib
import sys

BENCHMARKS = ["hello", "fetch", "dns", "auth", "metrics", "revocation", "forward", "cluster"]

if __name__ == "__main__":
    for name in sys.argv[1:] or BENCHMARKS:
        importlib.import_module(f"bench.{name}").run()
