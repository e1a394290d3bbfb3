"""Label printing speed: 1,000 QR labels of a lot as one A4 PDF (target: under 10 seconds).

    .venv/bin/python bench/labels.py [--count 1000]

Builds a small migrated SQLite database with the demo data, then times
``flask labels`` end to end (new serials, QR codes, PDF) in this process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import upgrade

from shop import create_app
from shop.extensions import db
from shop.models import Lot, Product
from shop.services import demo, labels, tracing

TARGET_SECONDS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/labels.db"})
        with app.app_context():
            upgrade()
            demo.seed_demo()
            db.session.commit()
            lot = db.session.scalars(
                sa.select(Lot).join(Product).where(Product.slug == "che-xanh-my-tan")
            ).first()
            started = time.perf_counter()
            units = tracing.generate_units(lot, args.count)
            serials_done = time.perf_counter()
            pdf = labels.render_sheet(lot, units, "https://ocop.example.vn")
            db.session.commit()
            finished = time.perf_counter()
            out = Path(folder) / "labels.pdf"
            out.write_bytes(pdf)
            pages = -(-args.count // labels.Sheet().per_page)
    total = finished - started
    print("| Labels | Pages | Serials (s) | QR + PDF (s) | Total (s) | Target |")
    print("|---:|---:|---:|---:|---:|---|")
    print(
        f"| {args.count} | {pages} | {serials_done - started:.2f} | {finished - serials_done:.2f} "
        f"| {total:.2f} | {'met' if total < TARGET_SECONDS else 'MISSED'} (< {TARGET_SECONDS} s) |"
    )
    print(f"PDF size: {len(pdf) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
