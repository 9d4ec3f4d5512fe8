#!/usr/bin/env python3
"""Peer for the import benchmark (bench/run.sh): pandas.read_csv of stop_times.txt,
as gtfs-kit and most notebook code load a feed (identifiers read as strings, the rest
left to pandas' type inference; times stay strings).

    pandas_read_csv.py FEED        FEED: a GTFS .zip file or a folder

Needs python3-pandas. Prints "stop_times N trips T seconds S" where S is the time
spent after `import pandas` (interpreter start-up and the import excluded).
"""
import os
import sys
import time
import zipfile

import pandas as pd

DTYPES = {"trip_id": str, "stop_id": str, "arrival_time": str, "departure_time": str}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: pandas_read_csv.py FEED")
    feed = sys.argv[1]
    t0 = time.perf_counter()
    if os.path.isdir(feed):
        df = pd.read_csv(os.path.join(feed, "stop_times.txt"), dtype=DTYPES)
    else:
        with zipfile.ZipFile(feed) as zf, zf.open("stop_times.txt") as f:
            df = pd.read_csv(f, dtype=DTYPES)
    print(f"stop_times {len(df)} trips {df['trip_id'].nunique()} "
          f"seconds {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
