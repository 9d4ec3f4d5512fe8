#!/usr/bin/env python3
"""Peer for the import benchmark (bench/run.sh): the stop-times core of a typical
pure-Python GTFS loader.

    python_csv_load.py FEED        FEED: a GTFS .zip file or a folder

Reads stop_times.txt with the csv module into one dict per row, parses
arrival_time/departure_time to seconds after midnight and stop_sequence to int,
groups the rows by trip_id and sorts each trip by stop_sequence -- the shape of what
partridge, gtfs-kit or pygtfs do with stop times, without their other tables,
foreign-key checks or validation. Prints "stop_times N trips T seconds S" where S is
the time spent inside Python after the imports (interpreter start-up excluded).
"""
import csv
import io
import os
import sys
import time
import zipfile
from collections import defaultdict


def to_seconds(s):
    if not s:
        return None
    h, m, sec = s.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + int(sec)


def open_stop_times(feed):
    if os.path.isdir(feed):
        return open(os.path.join(feed, "stop_times.txt"), encoding="utf-8-sig", newline="")
    zf = zipfile.ZipFile(feed)
    return io.TextIOWrapper(zf.open("stop_times.txt"), encoding="utf-8-sig", newline="")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python_csv_load.py FEED")
    t0 = time.perf_counter()
    trips = defaultdict(list)
    n = 0
    with open_stop_times(sys.argv[1]) as f:
        for row in csv.DictReader(f):
            row["arrival_time"] = to_seconds(row["arrival_time"])
            row["departure_time"] = to_seconds(row["departure_time"])
            row["stop_sequence"] = int(row["stop_sequence"])
            trips[row["trip_id"]].append(row)
            n += 1
    for stops in trips.values():
        stops.sort(key=lambda r: r["stop_sequence"])
    print(f"stop_times {n} trips {len(trips)} seconds {time.perf_counter() - t0:.3f}")


if __name__ == "__main__":
    main()
