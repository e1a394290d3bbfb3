"""The cooperative dashboard. Everything is scoped to the member's own cooperative:
another cooperative's product, lot or order part answers 404, whatever the URL or form says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import transaction
from shop.clock import VIETNAM
from shop.coop import bp
from shop.coop.forms import (
    CloseRecallForm,
    CsvForm,
    EventForm,
    InviteForm,
    LabelsForm,
    LotForm,
    ProductForm,
    RecallForm,
    ShipForm,
    SizeForm,
    StockForm,
)
from shop.extensions import db
from shop.forms import first_error
from shop.mail import send_invitation
from shop.models import BizStep, Cooperative, LabelRunState, Lot, PartStatus, Product, Role
from shop.security import parse_id, roles_required
from shop.services import (
    accounts,
    catalog,
    complaints,
    counterfeits,
    dashboard,
    images,
    label_runs,
    labels,
    orders,
    products,
    recalls,
    tracing,
)
from shop.services import packing_slip as packing_slip_pdf
from shop.services.errors import Conflict, DomainError, InvalidInput, NotFound
from shop.services.payments.cod import record_cash_received
from shop.templating import external_url


@bp.before_request
@roles_required(Role.MEMBER)
def require_member():
    """Only members of a cooperative use the dashboard."""
    return None


def _coop() -> Cooperative:
    return current_user.cooperative


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


@bp.get("/")
def overview():
    """Parcels to send, complaints to answer, low stock, expiring certificates and ratings,
    last 30 days of sales."""
    coop = _coop()
    return render_template(
        "coop/overview.html",
        coop=coop,
        to_fulfil=dashboard.parts(coop, dashboard.TO_FULFIL),
        to_answer=[c for c in complaints.of_cooperative(coop) if c.waiting_on_cooperative],
        low=dashboard.low_stock(coop),
        fakes=counterfeits.counts(coop),
        fake_reports=counterfeits.latest(coop),
        expiring=dashboard.expiring(coop),
        chart=dashboard.sales_chart(dashboard.sales_by_day(coop)),
    )


# --- Products ------------------------------------------------------------------------------


@bp.get("/products")
def product_list(error: str | None = None, status: int = 200):
    return render_template(
        "coop/products.html",
        coop=_coop(),
        products=products.products_of(_coop()),
        stock_form=StockForm(formdata=None),
        csv_form=CsvForm(formdata=None),
        error=error,
    ), status


def _product_form(product: Product | None = None) -> ProductForm:
    form = ProductForm(obj=product)
    form.group.choices = [
        (c.slug, ("— " if c.parent_id else "") + c.name_vi)
        for g in catalog.groups()
        for c in (g, *g.children)
    ]
    if product is not None and request.method == "GET":
        form.group.data = product.category.slug
    return form


def _data(form: ProductForm) -> products.ProductData:
    category = catalog.find_category(catalog.groups(), form.group.data)
    if category is None:
        raise NotFound(_("Unknown product group."))
    return products.ProductData(
        name_vi=form.name_vi.data,
        name_en=form.name_en.data or "",
        category=category,
        unit=form.unit.data,
        price=form.price.data,
        stock=form.stock.data or 0,
        stock_change=form.stock_change.data or 0,
        gtin=(form.gtin.data or "").strip(),
        active=form.active.data,
        description_vi=form.description_vi.data or "",
        description_en=form.description_en.data or "",
        weight_grams=form.weight_grams.data or None,  # empty: read from the unit
        **{name: getattr(form, name).data or "" for name in products.LABEL_NAMES},
    )


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    form = _product_form()
    if form.validate_on_submit():
        return _save_product(form, None)
    return render_template(
        "coop/product_form.html", form=form, product=None
    ), 400 if request.method == "POST" else 200


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int):
    product = products.owned_product(_coop(), product_id)
    form = _product_form(product)
    if form.validate_on_submit():
        return _save_product(form, product)
    return render_template(
        "coop/product_form.html",
        form=form,
        product=product,
        size_form=SizeForm(prefix="size", formdata=None),
    ), 400 if request.method == "POST" else 200


def _save_product(form: ProductForm, product: Product | None):
    try:
        data = _data(form)
        if product is None:
            product = products.create(_coop(), data)
        else:
            products.update(product, data)
        photos = [f for f in request.files.getlist(form.photo.name) if f and f.filename]
        images.check_room(product, len(photos))
        for photo in photos:
            images.receive_photo(product, photo.read())
    except DomainError as error:
        transaction.rollback()
        return render_template(
            "coop/product_form.html",
            form=form,
            product=product,
            size_form=SizeForm(prefix="size", formdata=None),
            error=str(error),
        ), error.status_code
    if photos:
        flash(_("Saved. The photos appear on the product's page once they are ready."), "success")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("coop.product_list"), code=303)


@bp.post("/products/<int:product_id>/sizes")
def product_add_size(product_id: int):
    """Another package size of this product (a gift box of the small pack)."""
    main = products.owned_product(_coop(), product_id)
    form = SizeForm(prefix="size")
    try:
        if not form.validate():
            raise InvalidInput(first_error(form))
        size = products.add_size(
            main,
            products.ProductData(
                name_vi=main.name_vi,
                name_en=main.name_en,
                category=main.category,
                unit=form.unit.data,
                price=form.price.data,
                stock=form.opening_stock.data,
                gtin=(form.gtin.data or "").strip(),
                weight_grams=form.weight_grams.data or None,
                label_net_quantity=form.label_net_quantity.data or "",
            ),
        )
    except DomainError as error:
        transaction.rollback()
        return render_template(
            "coop/product_form.html",
            form=_product_form(main),
            product=main,
            size_form=form,
            error=str(error),
        ), error.status_code
    flash(_("Size %(unit)s added.", unit=size.unit), "success")
    return redirect(url_for("coop.product_edit", product_id=main.id), code=303)


@bp.post(
    "/products/<int:product_id>/photos/<int:photo_id>/<any(up, down, delete, describe):change>"
)
def product_photo(product_id: int, photo_id: int, change: str):
    """Order, describe or delete one of the product's photos."""
    product = products.owned_product(_coop(), product_id)
    photo = next((p for p in product.images if p.id == photo_id), None)
    if photo is None:
        raise NotFound(_("No such photo."))
    if change == "describe":
        images.describe(photo, request.form.get("alt", ""))
    elif change == "delete":
        images.remove(photo, _upload_dir())
    else:
        images.move(photo, -1 if change == "up" else 1)
    flash(_("Photos saved."), "success")
    return redirect(url_for("coop.product_edit", product_id=product.id) + "#photos", code=303)


@bp.post("/products/<int:product_id>/uploads/<int:upload_id>/delete")
def product_upload_delete(product_id: int, upload_id: int):
    """Delete a photo the worker could not read."""
    product = products.owned_product(_coop(), product_id)
    images.forget_upload(product, upload_id)
    flash(_("Photos saved."), "success")
    return redirect(url_for("coop.product_edit", product_id=product.id) + "#photos", code=303)


@bp.post("/products/<int:product_id>/stock")
def product_stock(product_id: int):
    """Add units after a harvest or remove lost ones, from the product list."""
    product = products.owned_product(_coop(), product_id)
    form = StockForm()
    if not form.validate():
        return product_list(_("Give a number of units to add or remove, other than 0."), 400)
    try:
        products.change_stock(product, form.change.data)
    except DomainError as error:
        return product_list(str(error), error.status_code)
    flash(_("Stock of %(name)s is now %(n)s.", name=product.name_vi, n=product.stock), "success")
    return redirect(url_for("coop.product_list"), code=303)


@bp.get("/products.csv")
def products_csv():
    body = products.export_csv(_coop())
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=products.csv"},
    )


@bp.post("/products/import")
def products_import():
    """Create or update products from a spreadsheet; nothing changes if any row is refused."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for("coop.product_list"), code=303)
    try:
        text = upload.read(2_000_000).decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("Save the file as CSV in UTF-8."), "error")
        return redirect(url_for("coop.product_list"), code=303)
    categories = {c.slug: c for g in catalog.groups() for c in (g, *g.children)}
    report = products.import_csv(_coop(), text, categories)
    if not report.ok:
        transaction.rollback()
        return render_template("coop/import_report.html", report=report), 400
    flash(_("Imported: %(c)s new, %(u)s updated.", c=report.created, u=report.updated), "success")
    return redirect(url_for("coop.product_list"), code=303)


# --- Lots, events, labels -------------------------------------------------------------------


def _owned_lot(lot_id: int) -> Lot:
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.product.cooperative_id != _coop().id:
        raise NotFound(_("No such lot in your shop."))
    return lot


@bp.route("/products/<int:product_id>/lots", methods=["GET", "POST"])
def lots(product_id: int):
    product = products.owned_product(_coop(), product_id)
    form = LotForm()
    if form.validate_on_submit():
        fields = {
            k: v
            for k, v in form.data.items()
            if k not in ("code", "csrf_token") and v not in (None, "")
        }
        try:
            lot = tracing.create_lot(product, form.code.data, **fields)
        except DomainError as error:
            transaction.rollback()
            form.code.errors.append(str(error))
        else:
            return redirect(url_for("coop.lot_detail", lot_id=lot.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "coop/lots.html", product=product, lots=tracing.lots_of(product, 100), form=form
    ), status


@bp.route("/lots/<int:lot_id>", methods=["GET", "POST"])
def lot_detail(lot_id: int):
    lot = _owned_lot(lot_id)
    form = EventForm()
    if form.validate_on_submit():
        when = form.occurred_at.data.replace(tzinfo=VIETNAM)
        try:
            photo = request.files.get(form.photo.name)
            photo_path = ""
            if photo and photo.filename:
                photo_path = images.save_event_photo(lot.id, photo.read(), _upload_dir()).path
            tracing.add_event(
                lot,
                BizStep(form.biz_step.data),
                when,
                place=form.place.data or "",
                responsible=form.responsible.data or "",
                description_vi=form.description_vi.data or "",
                is_transformation=form.biz_step.data == BizStep.PROCESSING.value,
                input_description=form.input_description.data or "",
                photo_path=photo_path,
            )
        except DomainError as error:
            transaction.rollback()
            form.occurred_at.errors.append(str(error))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("coop.lot_detail", lot_id=lot.id), code=303)
    threshold = current_app.config["SCAN_WARNING_THRESHOLD"]
    scans = tracing.lot_scan_report(lot, threshold)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "coop/lot.html",
        lot=lot,
        form=form,
        labels_form=LabelsForm(),
        label_runs=label_runs.runs_of(lot),
        scans=scans,
        now=datetime.now(VIETNAM),
        recall_form=RecallForm(),
        close_form=CloseRecallForm(),
    ), status


@bp.post("/lots/<int:lot_id>/recall")
def lot_recall(lot_id: int):
    """Start a recall of one of this cooperative's lots."""
    lot = _owned_lot(lot_id)
    form = RecallForm()
    if not form.validate():
        raise InvalidInput(_("Say why, what buyers should do, and whom they can contact."))
    recall = recalls.start(
        lot, form.reason.data, form.instructions.data, form.contact.data, current_user.id
    )
    flash(
        _(
            "Lot %(code)s is recalled: sales of the product are paused and %(n)s buyers"
            " are being told.",
            code=lot.code,
            n=recall.buyers_notified,
        ),
        "success",
    )
    return redirect(url_for("coop.lot_detail", lot_id=lot.id), code=303)


@bp.post("/lots/<int:lot_id>/recall/close")
def lot_recall_close(lot_id: int):
    lot = _owned_lot(lot_id)
    form = CloseRecallForm()
    if lot.open_recall is None:
        raise Conflict(_("This lot has no open recall."))
    if not form.validate():
        raise InvalidInput(_("Say how the recall was resolved; shoppers will read it."))
    recalls.close(lot.open_recall, form.resolution.data, current_user.id)
    flash(_("The recall of lot %(code)s is closed.", code=lot.code), "success")
    return redirect(url_for("coop.lot_detail", lot_id=lot.id), code=303)


@bp.post("/products/<int:product_id>/resume-sales")
def product_resume_sales(product_id: int):
    """The cooperative confirms the stock on hand is from lots that are not recalled."""
    product = products.owned_product(_coop(), product_id)
    recalls.resume_sales(product)
    flash(_("Sales of %(name)s have resumed.", name=product.name_vi), "success")
    return redirect(url_for("coop.product_list"), code=303)


@bp.post("/lots/<int:lot_id>/labels")
def lot_labels(lot_id: int):
    """Print labels: new serials for N packages, as an A4 PDF of 3 x 8 labels."""
    lot = _owned_lot(lot_id)
    form = LabelsForm()
    if not form.validate():
        flash(_("Choose between 1 and 5,000 labels."), "error")
        return redirect(url_for("coop.lot_detail", lot_id=lot.id), code=303)
    level = "Q" if form.sturdy.data else "M"
    if form.count.data > label_runs.INLINE_MAX:
        label_runs.order(lot, form.count.data, level)
        flash(
            _(
                "Your %(n)s labels are being prepared. Download them from this page when ready.",
                n=form.count.data,
            ),
            "success",
        )
        return redirect(url_for("coop.lot_detail", lot_id=lot.id), code=303)
    units = tracing.generate_units(lot, form.count.data)
    pdf = labels.render_sheet(lot, units, current_app.config["PUBLIC_BASE_URL"], level=level)
    return _pdf(pdf, f"labels-{lot.code}.pdf")


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.get("/label-runs/<int:run_id>.pdf")
def label_run_pdf(run_id: int):
    """A label sheet made in the background, once it is ready."""
    run = label_runs.owned_run(_coop(), run_id)
    if run.state is not LabelRunState.READY:
        raise NotFound(_("These labels are not ready yet."))
    path = label_runs.label_dir() / run.path
    if not path.is_file():
        raise NotFound(_("These labels are not ready yet."))
    return _pdf(path.read_bytes(), f"labels-{run.lot.code}-{run.id}.pdf")


# --- Orders ---------------------------------------------------------------------------------


@bp.get("/orders")
def order_list():
    parts = dashboard.parts(_coop())
    return render_template(
        "coop/orders.html", parts=parts, ship_form=ShipForm(), lot_choices=_lot_choices(parts)
    )


def _lot_choices(parts) -> dict[int, tuple[list, object]]:
    """For each line of a part being prepared: the lots that may ship, and the default
    (looked up once per product however many lines carry it)."""
    by_product: dict[int, tuple | None] = {}
    choices = {}
    for part in parts:
        if part.status is not PartStatus.PROCESSING:
            continue
        for line in part.lines:
            if line.product_id is None:
                continue
            if line.product_id not in by_product:
                by_product[line.product_id] = recalls.ship_choice(line.product_id)
            if by_product[line.product_id] is not None:
                choices[line.id] = by_product[line.product_id]
    return choices


def _chosen_lots(part) -> dict[int, int]:
    """line id → lot id from the ship form; an unreadable choice is bad input."""
    chosen = {}
    for line in part.lines:
        raw = request.form.get(f"lot-{line.id}", "").strip()
        if raw:
            lot_id = parse_id(raw)
            if lot_id is None:
                raise InvalidInput(_("Choose a lot from the list."))
            chosen[line.id] = lot_id
    return chosen


ACTIONS = {
    "prepare": PartStatus.PROCESSING,
    "deliver": PartStatus.DELIVERED,
    "cancel": PartStatus.CANCELLED,
}


@bp.get("/orders/<int:part_id>/packing-slip.pdf")
def packing_slip(part_id: int):
    """What goes in the parcel, to whom, with a QR code back to this part."""
    part = dashboard.owned_part(_coop(), part_id)
    if part is None:
        raise NotFound(_("No such order in your shop."))
    url = external_url("coop.order_list") + f"#part-{part.id}"
    return _pdf(packing_slip_pdf.render(part, url), f"phieu-dong-goi-{part.order.number}.pdf")


@bp.post("/orders/<int:part_id>/<action>")
def order_action(part_id: int, action: str):
    """Move one of this cooperative's parts along: prepare, ship, deliver, record the cash."""
    part = dashboard.owned_part(_coop(), part_id)
    if part is None:
        raise NotFound(_("No such order in your shop."))
    try:
        if action == "ship":
            form = ShipForm()
            if not form.validate():
                raise InvalidInput(_("Give the carrier and the tracking number."))
            part.carrier, part.tracking_number = (
                form.carrier.data.strip(),
                form.tracking_number.data.strip(),
            )
            recalls.record_shipment(part, _chosen_lots(part))
            orders.transition(part, PartStatus.SHIPPED, "shipped by the cooperative")
        elif action == "cash":
            record_cash_received(part)
        elif action in ACTIONS:
            if action == "cancel":
                orders.cancel_part(part, orders.COOPERATIVE_CANCELLED)
            else:
                orders.transition(part, ACTIONS[action], f"{action} by the cooperative")
        else:
            raise NotFound(_("Unknown action."))
    except DomainError as error:
        transaction.rollback()
        parts = dashboard.parts(_coop())
        return render_template(
            "coop/orders.html",
            parts=parts,
            ship_form=ShipForm(),
            lot_choices=_lot_choices(parts),
            error=str(error),
        ), error.status_code
    flash(_("Order %(number)s updated.", number=part.order.number), "success")
    return redirect(url_for("coop.order_list"), code=303)


# --- Team -----------------------------------------------------------------------------------


@bp.route("/team", methods=["GET", "POST"])
def team():
    """The cooperative's members; its owner invites staff by email."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            token = accounts.invitation_token(
                current_user, form.email.data, current_app.config["SECRET_KEY"]
            )
        except DomainError as error:
            return render_template(
                "coop/team.html", form=form, error=str(error), members=accounts.members_of(_coop())
            ), error.status_code
        send_invitation(form.email.data, _coop(), external_url("auth.join", token=token))
        flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
        return redirect(url_for("coop.team"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "coop/team.html", form=form, members=accounts.members_of(_coop())
    ), status
