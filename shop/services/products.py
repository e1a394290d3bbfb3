"""A cooperative's products: create, edit, stock after a harvest, CSV import and export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.extensions import db
from shop.models import Category, Cooperative, Product
from shop.services import gs1, inventory
from shop.services.errors import Conflict, InvalidInput, NotFound
from shop.services.text import free_slug
from shop.services.weights import grams_from_unit, stated_quantity

CSV_COLUMNS = (
    "gtin",
    "name_vi",
    "name_en",
    "group",
    "unit",
    "price",
    "stock",
    "active",
    "description_vi",
    "description_en",
    "weight_grams",
    "label_origin",
    "label_net_quantity",
    "label_ingredients",
    "label_storage_use",
    "label_shelf_life",
)
# What each label field is called in messages, and how long it may be.
LABEL_NAMES = {
    "label_origin": _l("origin"),
    "label_net_quantity": _l("net quantity"),
    "label_ingredients": _l("ingredients or materials"),
    "label_storage_use": _l("storage and use"),
    "label_shelf_life": _l("shelf life"),
}
LABEL_LIMITS = {
    "label_origin": 200,
    "label_net_quantity": 60,
    "label_ingredients": 1000,
    "label_storage_use": 1000,
    "label_shelf_life": 200,
}
# A family's sizes differ only by net quantity on their labels.
SHARED_LABEL_FIELDS = ("label_origin", "label_ingredients", "label_storage_use", "label_shelf_life")
MAX_PRICE = 99_999_999
MAX_GRAMS = 30_000  # carriers' light-parcel limit; heavier goods go by freight
MAX_STOCK = 1_000_000


@dataclass
class ProductData:
    """Validated fields of a product form or a CSV row."""

    name_vi: str
    name_en: str
    category: Category
    unit: str
    price: int
    stock: int  # a new product's opening stock; an existing product's is never overwritten
    gtin: str
    active: bool = True
    description_vi: str = ""
    description_en: str = ""
    stock_change: int = 0  # units received (+) or removed (-) when editing
    weight_grams: int | None = None  # one package; None: read from the unit ("gói 200 g")
    label_origin: str = ""
    label_net_quantity: str = ""
    label_ingredients: str = ""
    label_storage_use: str = ""
    label_shelf_life: str = ""

    def label_gaps(self) -> list[str]:
        if self.category.group.slug == "tourism":
            return []
        return [name for name in LABEL_NAMES if not getattr(self, name).strip()]


def owned_product(coop: Cooperative, product_id: int) -> Product:
    """A product of this cooperative, or NotFound: another cooperative's is never reachable."""
    product = db.session.scalar(
        sa.select(Product).where(Product.id == product_id, Product.cooperative_id == coop.id)
    )
    if product is None:
        raise NotFound(_l("No such product in your shop."))
    return product


def products_of(coop: Cooperative) -> list[Product]:
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.cooperative_id == coop.id)
            .order_by(Product.name_vi, Product.family_id.is_not(None), Product.price)
        )
    )


def check(data: ProductData, existing: Product | None = None) -> None:
    if not data.label_net_quantity.strip():  # "hộp 500 g" states it; "bộ 6 chén" must say
        data.label_net_quantity = stated_quantity(data.unit)
    if not data.name_vi.strip():
        raise InvalidInput(_l("Give the product a Vietnamese name."))
    if not 0 < data.price <= MAX_PRICE:
        raise InvalidInput(_l("The price is a whole number of đồng from 1 to 99,999,999."))
    if not 0 <= data.stock <= MAX_STOCK:
        raise InvalidInput(_l("The stock is a whole number from 0 to 1,000,000."))
    if data.weight_grams is not None and not 1 <= data.weight_grams <= MAX_GRAMS:
        raise InvalidInput(_l("The weight is a whole number of grams from 1 to 30,000."))
    check_label(data)
    if not gs1.is_valid_gtin(data.gtin):
        raise InvalidInput(
            _l("This GTIN is not valid: check its digits; the last one is a check digit.")
        )
    gtin14 = data.gtin.zfill(14)
    clash = db.session.scalar(sa.select(Product.id).where(Product.gtin == gtin14))
    if clash is not None and (existing is None or clash != existing.id):
        raise Conflict(_l("Another product already uses this GTIN."))


def check_label(data: ProductData) -> None:
    """Label fields within their lengths, and all of them before goods go on sale."""
    for name, limit in LABEL_LIMITS.items():
        if len(getattr(data, name).strip()) > limit:
            raise InvalidInput(
                _l(
                    "The label's %(field)s is longer than %(n)s characters.",
                    field=LABEL_NAMES[name],
                    n=limit,
                )
            )
    gaps = data.label_gaps()
    if data.active and gaps:
        raise InvalidInput(
            _l(
                "Before it goes on sale, fill in what its label says: %(fields)s. "
                "Or save it as not on sale.",
                fields=", ".join(str(LABEL_NAMES[name]) for name in gaps),
            )
        )


def create(coop: Cooperative, data: ProductData) -> Product:
    check(data)
    product = Product(
        cooperative=coop, slug=free_slug(Product.slug, data.name_vi, "san-pham"), stock=0
    )
    _apply(product, data)
    db.session.add(product)
    db.session.flush()
    inventory.opening(product, data.stock)
    return product


def update(product: Product, data: ProductData) -> None:
    """Save the form's fields. Stock is never written from a form that may be stale:
    only ``stock_change`` applies, as a delta under lock. The family's names, descriptions
    and group follow its main product. A listing the office took down stays off sale."""
    check(data, existing=product)
    if product.taken_down_at is not None and data.active:
        raise Conflict(
            _l(
                "The OCOP office took this listing down (%(reason)s): it cannot be put on sale.",
                reason=product.taken_down_reason,
            )
        )
    _apply(product, data)
    for size in product.sizes:
        _share_family_fields(size, product)
    db.session.flush()
    if data.stock_change:
        inventory.adjust(product, data.stock_change, "changed by the cooperative")


def add_size(main: Product, data: ProductData) -> Product:
    """Another package size of ``main`` (a 1 kg gift box of the 200 g pack): its own GTIN,
    price, stock, weight and label text (the unit); name, description and group shared."""
    if main.family_id is not None:
        raise Conflict(_l("Add sizes to the main product of the family."))
    if any(
        s.unit.strip().casefold() == data.unit.strip().casefold() for s in main.family_members()
    ):
        raise Conflict(_l("This family already has a size called %(unit)s.", unit=data.unit))
    data.name_vi, data.name_en, data.category = main.name_vi, main.name_en, main.category
    for name in SHARED_LABEL_FIELDS:
        setattr(data, name, getattr(main, name))
    size = create(main.cooperative, data)
    size.family = main
    _share_family_fields(size, main)
    db.session.flush()
    return size


def _share_family_fields(size: Product, main: Product) -> None:
    size.name_vi, size.name_en = main.name_vi, main.name_en
    size.description_vi, size.description_en = main.description_vi, main.description_en
    size.category = main.category
    for name in SHARED_LABEL_FIELDS:
        setattr(size, name, getattr(main, name))


def _apply(product: Product, data: ProductData) -> None:
    product.name_vi, product.name_en = data.name_vi.strip(), data.name_en.strip()
    product.category, product.unit = data.category, data.unit.strip()
    product.price, product.active = data.price, data.active
    product.gtin = data.gtin.zfill(14)
    product.description_vi, product.description_en = data.description_vi, data.description_en
    product.weight_grams = data.weight_grams or grams_from_unit(product.unit)
    for name in LABEL_NAMES:
        setattr(product, name, getattr(data, name).strip())


def change_stock(product: Product, delta: int) -> int:
    """After a harvest (+) or a loss (-): the new stock, changed by ``delta`` under lock."""
    return inventory.adjust(product, delta, "changed by the cooperative")


# --- CSV ---------------------------------------------------------------------------------


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(cell):
    """A text cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def export_csv(coop: Cooperative) -> str:
    """The cooperative's products as CSV; text that looks like a formula is quoted with '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in products_of(coop):
        writer.writerow(
            [
                neutral(cell)
                for cell in (
                    p.gtin,
                    p.name_vi,
                    p.name_en,
                    p.category.slug,
                    p.unit,
                    p.price,
                    p.stock,
                    "1" if p.active else "0",
                    p.description_vi,
                    p.description_en,
                    p.weight_grams or "",
                    *(getattr(p, name) for name in LABEL_NAMES),
                )
            ]
        )
    return out.getvalue()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(coop: Cooperative, text: str, categories: dict[str, Category]) -> ImportReport:
    """Create or update products by GTIN. All rows or none: any refused row stops the import.

    ``stock`` is the opening stock of new products; a known product's stock changes only
    by the optional ``stock_change`` column (units received or removed), never to an
    absolute number from a file exported before today's orders."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"gtin", "name_vi", "group", "unit", "price", "stock"} - set(reader.fieldnames or [])
    if missing:
        report.errors.append((1, str(_l("Missing columns: %(c)s", c=", ".join(sorted(missing))))))
        return report
    rows = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        try:
            data = _row_data(row, categories)
            if data.gtin.zfill(14) in seen:
                raise InvalidInput(_l("This GTIN appears twice in the file."))
            seen.add(data.gtin.zfill(14))
            existing = db.session.scalar(
                sa.select(Product).where(Product.gtin == data.gtin.zfill(14))
            )
            if existing is not None and existing.cooperative_id != coop.id:
                raise Conflict(_l("Another product already uses this GTIN."))
            if existing is not None:  # a file without the label's columns keeps the label
                for name in LABEL_NAMES.keys() - set(reader.fieldnames or []):
                    setattr(data, name, getattr(existing, name))
            check(data, existing)
            rows.append((data, existing))
        except (InvalidInput, Conflict) as error:
            report.errors.append((line, str(error)))
    if report.errors:
        return report
    for data, existing in rows:
        if existing is None:
            create(coop, data)
            report.created += 1
        else:
            update(existing, data)
            report.updated += 1
    return report


def _row_data(row: dict, categories: dict[str, Category]) -> ProductData:
    def integer(name: str) -> int:
        try:
            return int(str(row.get(name, "")).replace(".", "").replace(",", "").strip())
        except ValueError:
            raise InvalidInput(_l("%(col)s must be a whole number.", col=name)) from None

    category = categories.get((row.get("group") or "").strip())
    if category is None:
        raise InvalidInput(_l("Unknown group %(g)s.", g=row.get("group") or "—"))
    return ProductData(
        name_vi=(row.get("name_vi") or "").strip(),
        name_en=(row.get("name_en") or "").strip(),
        category=category,
        unit=(row.get("unit") or "").strip() or "cái",
        price=integer("price"),
        stock=integer("stock"),
        stock_change=integer("stock_change") if (row.get("stock_change") or "").strip() else 0,
        gtin=(row.get("gtin") or "").strip(),
        active=(row.get("active") or "1").strip().lower() not in ("0", "false", "no", "không"),
        description_vi=row.get("description_vi") or "",
        description_en=row.get("description_en") or "",
        weight_grams=integer("weight_grams") if (row.get("weight_grams") or "").strip() else None,
        **{name: (row.get(name) or "").strip() for name in LABEL_NAMES},
    )
