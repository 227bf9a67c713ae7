"""Derives elements.csv and codes.csv in this folder from the CIN census XSDs in
specs/cin_census/ (one per collection year, 2017-2026). Run from the project root:

    python3 reference/formats/cin/derive_from_xsd.py

Each row carries the first and last collection year whose schema has it, so the reader can tell
an element or code that belongs to another year from one no schema has.
"""
import csv
import glob
import os
import re
import xml.etree.ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
HERE = os.path.dirname(os.path.abspath(__file__))
# Named code lists the reader refers to, by XSD simple type.
LISTS = {
    "gendertype": "gender_current",
    "sextype": "sex",
    "ethnicitytype": "ethnicity",
    "disabilitytype": "disability",
    "referralsourcetype": "referral_source",
    "categoryofabusetype": "category_of_abuse",
    "primaryneedcodetype": "primary_need",
    "reasonforclosuretype": "closure_reason",
    "assessmentfactorstype": "assessment_factor",
    "unknownupntype": "upn_unknown",
    "yesnotype": "yes_no",
}


def kind(el):
    t = el.get("type", "")
    if t in ("xs:date",):
        return "date"
    if t in ("xs:dateTime",):
        return "datetime"
    if t in ("xs:gYear", "positiveintegertype", "xs:integer"):
        return "integer"
    if t in LISTS:
        return "code:" + LISTS[t]
    if t.endswith("type") and not t.startswith("xs:") and t not in ("upntype",):
        return "group"
    if el.find(XS + "complexType") is not None:
        return "group"
    return "text"


def elements(root):
    """(parent, element, kind, minOccurs, maxOccurs) for every element declared, walking from Message."""
    types = {c.get("name"): c for c in root.findall(XS + "complexType")}
    out = []

    def direct(node):
        seq = node.find(XS + "sequence")
        return [] if seq is None else seq.findall(XS + "element")

    def walk(parent, node):
        for el in direct(node):
            low, high = el.get("minOccurs", "1"), el.get("maxOccurs", "1")
            out.append((parent, el.get("name"), kind(el), low, "n" if high == "unbounded" else high))
            t = el.get("type")
            if t in types:
                walk(el.get("name"), types[t])
            inline = el.find(XS + "complexType")
            if inline is not None:
                walk(el.get("name"), inline)

    top = root.find(XS + "element")
    out.append(("", top.get("name"), "group", "1", "1"))
    walk(top.get("name"), types[top.get("type")])
    return out


def codes(root):
    out = []
    for st in root.findall(XS + "simpleType"):
        name = LISTS.get(st.get("name"))
        if not name:
            continue
        for e in st.iter(XS + "enumeration"):
            doc = e.find(f"{XS}annotation/{XS}documentation")
            label = " ".join((doc.text or "").split()) if doc is not None else ""
            out.append((name, e.get("value"), label))
    return out


def ranges(by_year):
    """{key: [years]} -> rows of key + (from, to), splitting non-contiguous runs."""
    rows = []
    for key, years in by_year.items():
        years = sorted(years)
        start = prev = years[0]
        for y in years[1:] + [None]:
            if y is not None and y == prev + 1:
                prev = y
                continue
            rows.append((*key, start, prev))
            if y is not None:
                start = prev = y
    return rows


def main():
    el_years, code_years, labels = {}, {}, {}
    for path in sorted(glob.glob("specs/cin_census/CIN_schema_*.xsd")):
        year = int(re.search(r"(\d{4})", os.path.basename(path)).group(1))
        root = ET.parse(path).getroot()
        for key in elements(root):
            el_years.setdefault(key, []).append(year)
        for name, code, label in codes(root):
            code_years.setdefault((name, code), []).append(year)
            labels[(name, code)] = label  # latest year's wording
    with open(os.path.join(HERE, "elements.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["parent", "element", "kind", "min_occurs", "max_occurs", "from_year", "to_year"])
        order = {k: i for i, k in enumerate(el_years)}
        for row in sorted(ranges(el_years), key=lambda r: order[r[:5]]):
            w.writerow(row)
    with open(os.path.join(HERE, "codes.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["list", "code", "label", "from_year", "to_year"])
        order = {k: i for i, k in enumerate(code_years)}
        for (name, code, a, b) in sorted(ranges(code_years), key=lambda r: order[r[:2]]):
            w.writerow([name, code, labels[(name, code)], a, b])


if __name__ == "__main__":
    main()
