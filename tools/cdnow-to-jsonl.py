#!/usr/bin/env python3
"""Converts the CDNOW purchase log (CDNOW_master.txt, or the 1/10 sample CDNOW_sample.txt with its
extra sample-id column, as shipped in PyPI's `lifetimes`) to JourneyStore JSONL: one purchase event
per row, at midnight UTC of its date, with one line item of the row's value.

usage: cdnow-to-jsonl.py CDNOW_master.txt > cdnow.jsonl
"""
import sys


def main(path):
    out = sys.stdout
    with open(path) as f:
        for row, line in enumerate(f, start=1):
            parts = line.split()
            if len(parts) == 5:  # the sample: customer id, sample id, date, CDs, value
                del parts[1]
            if len(parts) != 4 or not parts[0].isdigit():
                continue
            customer, date, cds, value = parts
            time = f"{date[0:4]}-{date[4:6]}-{date[6:8]}T00:00:00Z"
            out.write(
                f'{{"id":"cdnow-{row}","type":"purchase","customer":"cdnow-{customer}","time":"{time}",'
                f'"order":"cdnow-o{row}","items":[{{"product":"cds","category":"music","price":"{value}"}}],'
                f'"cds":{int(cds)}}}\n'
            )


if __name__ == "__main__":
    main(sys.argv[1])
