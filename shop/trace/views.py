"""Resolver views: one URI per product, lot or unit, answering people and machines alike."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup

from shop import fragments
from shop.clock import today
from shop.extensions import limiter
from shop.i18n import current_language
from shop.models import Lot, Product, Unit
from shop.page_cache import cached_page
from shop.services import counterfeits, epcis, gs1, images, qr, tracing
from shop.services.catalog import is_visible
from shop.services.errors import DomainError, InvalidInput, NotFound
from shop.trace import bp
from shop.trace.forms import CounterfeitForm

LINKSET = "application/linkset+json"
JSON_LD = "application/ld+json"


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


@bp.get("/01/<gtin>")
@bp.get("/01/<gtin>/10/<lot_code>")
@bp.get("/01/<gtin>/10/<lot_code>/21/<serial>")
def resolve(gtin: str, lot_code: str | None = None, serial: str | None = None):
    """Resolve a GS1 Digital Link URI: the trace page, a linkset, or EPCIS events."""
    if gs1.is_valid_gtin(gtin) and len(gtin) < 14:
        return _redirect_to_canonical(gtin)
    if serial is None and not _asks_a_machine_answer():
        return _with_trace_headers(make_response(_visitor_page(gtin, lot_code)))
    product = tracing.product_by_gtin(gtin)  # an unknown GTIN: "not on the shop" (404)
    try:
        lot = tracing.lot_of(product, lot_code) if lot_code is not None else None
        unit = tracing.unit_of(lot, serial) if lot is not None and serial is not None else None
    except NotFound:
        if request.args.get("linkType") or request.accept_mimetypes.best in (LINKSET, JSON_LD):
            raise
        return _not_issued(product, lot_code or "", serial or "")
    expiry = gs1.parse_expiry(request.args["17"]) if "17" in request.args else None

    answer = _machine_answer(product, lot, unit)
    if answer is not None:
        return answer
    if unit is None:
        return _with_trace_headers(make_response(_trace_page(product, lot, expiry)))
    return _with_trace_headers(_scanned_unit_page(product, lot, unit, expiry))


def _asks_a_machine_answer() -> bool:
    """A linkset, EPCIS events or a link type: anything but the page people read."""
    return "linkType" in request.args or request.accept_mimetypes.best in (LINKSET, JSON_LD)


def _with_trace_headers(response: Response) -> Response:
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    response.headers["Link"] = f'<{request.base_url}?linkType=all>; rel="linkset"; type="{LINKSET}"'
    return response


def _trace_page(product: Product, lot: Lot | None, expiry, unit=None, summary=None) -> str:
    return render_template(
        "trace/page.html",
        product=product,
        lot=lot,
        unit=unit,
        summary=summary,
        story=_story(product, lot, expiry),
        threshold=current_app.config["SCAN_WARNING_THRESHOLD"],
    )


def _story(product: Product, lot: Lot | None, expiry) -> Markup:
    """Where, when and by whom the product or lot was made, its certificates and lots: the
    same for every visitor, so every scan of a lot's packages reuses it (a write to the
    product, the lot or its events purges it). Its photos, ratings, certificates and events
    are loaded only when it is rendered."""
    key = f"trace-story:{current_language()}:{today()}:{product.id}:{lot.id if lot else ''}"
    if expiry is not None:
        key += f":{expiry}"

    def render() -> str:
        return render_template(
            "trace/_story.html",
            product=product,
            lot=lot,
            expiry=expiry,
            lots=tracing.lots_of(product) if lot is None else [],
            buyable=is_visible(product),
        )

    return Markup(fragments.shared(key, render))


@cached_page
def _visitor_page(gtin: str, lot_code: str | None):
    """A product's or a lot's page, the same for every visitor not signed in: kept like the
    catalog's pages, and purged as they are by a write to the lot, its events or a recall.
    The page is found by its address, so a visit the cache answers reads no database."""
    product = tracing.product_by_gtin(gtin)  # an unknown GTIN: "not on the shop" (404)
    try:
        lot = tracing.lot_of(product, lot_code) if lot_code is not None else None
    except NotFound:
        return _not_issued(product, lot_code or "", "")
    expiry = gs1.parse_expiry(request.args["17"]) if "17" in request.args else None
    return _trace_page(product, lot, expiry)


def _scanned_unit_page(product: Product, lot: Lot, unit: Unit, expiry) -> Response:
    """A package's own page: the scan is counted (once per phone), so it is never cached."""
    device_cookie = _device_cookie()
    if request.method == "GET" and not tracing.is_robot(request.user_agent.string):
        tracing.record_scan(
            unit,
            address=request.remote_addr,
            language=current_language(),
            device=tracing.device_of(device_cookie),
        )
    summary = tracing.scan_summary(unit)
    response = Response(_trace_page(product, lot, expiry, unit, summary))
    response.cache_control.no_store = True
    if request.cookies.get(DEVICE_COOKIE) != device_cookie:
        response.set_cookie(
            DEVICE_COOKIE,
            device_cookie,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


DEVICE_COOKIE = "ocop_phone"
DEVICE_FORMAT = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _device_cookie() -> str:
    """This phone's first-party cookie (made on its first scan): a reload is not a new scan.
    Only this site reads it; nothing follows the phone elsewhere."""
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    return cookie if DEVICE_FORMAT.match(cookie) else secrets.token_urlsafe(18)


def _not_issued(product: Product, lot_code: str, serial: str, form=None, status: int = 404):
    """A real product's code with a lot or serial its producer never issued: say so plainly."""
    form = form or CounterfeitForm(formdata=None)
    response = Response(
        render_template(
            "trace/not_issued.html",
            product=product,
            lot_code=lot_code,
            serial=serial,
            form=form,
            report_url=url_for(
                "trace.report_counterfeit", gtin=product.gtin, lot=lot_code, serial=serial
            ),
        ),
        status=status,
    )
    response.cache_control.no_store = True
    return response


@bp.post("/01/<gtin>/report")
@limiter.limit("5 per hour")
def report_counterfeit(gtin: str):
    """A shopper reports a package whose code was never issued (rate-limited)."""
    product = tracing.product_by_gtin(gtin)
    lot_code = (request.args.get("lot") or "")[:20]
    serial = (request.args.get("serial") or "")[:20]
    form = CounterfeitForm()
    if not form.validate():
        return _not_issued(product, lot_code, serial, form, status=400)
    photo = request.files.get(form.photo.name)
    try:
        photo_path = (
            images.save_report_photo(photo.read(), Path(current_app.config["UPLOAD_DIR"])).path
            if photo and photo.filename
            else ""
        )
        counterfeits.report(
            product,
            lot_code=lot_code,
            serial=serial,
            place=form.place.data,
            contact=form.contact.data or "",
            address=request.remote_addr,
            photo_path=photo_path,
        )
    except DomainError as error:
        form.photo.errors.append(str(error))
        return _not_issued(product, lot_code, serial, form, status=error.status_code)
    flash(_("Thank you. The producer and the OCOP office have your report."), "success")
    return redirect(url_for("catalog.product_detail", slug=product.slug), code=303)


def _redirect_to_canonical(gtin: str):
    """8-, 12- and 13-digit GTINs are answered at their 14-digit URI."""
    path = request.path.replace(f"/01/{gtin}", f"/01/{gtin.zfill(14)}", 1)
    query = request.query_string.decode()
    return redirect(path + (f"?{query}" if query else ""), code=301)


def _machine_answer(product: Product, lot: Lot | None, unit: Unit | None):
    """A linkset, a redirect to one link, or EPCIS events, when asked for them."""
    link_type = request.args.get("linkType", "")
    accept = request.accept_mimetypes
    links = _links(product, lot, unit)
    if link_type == "all" or (accept.best == LINKSET):
        anchor = gs1.digital_link(_base_url(), product.gtin, lot and lot.code, unit and unit.serial)
        response = jsonify(epcis.linkset(anchor, links, default="traceability"))
        response.mimetype = LINKSET
        response.headers["Vary"] = "Accept"
        return response
    if (link_type == "gs1:epcis" or accept.best == JSON_LD) and lot is not None:
        response = jsonify(epcis.lot_document(lot, _base_url()))
        response.mimetype = JSON_LD
        response.headers["Vary"] = "Accept"
        return response
    chosen = next((li for li in links if f"gs1:{li.link_type}" == link_type), None)
    if chosen is not None and chosen.link_type != "traceability":
        return redirect(chosen.href, code=307)
    return None


def _links(product: Product, lot: Lot | None, unit: Unit | None) -> list[epcis.Link]:
    here = gs1.digital_link(_base_url(), product.gtin, lot and lot.code, unit and unit.serial)
    name = product.name(current_language())
    links = [
        epcis.Link("traceability", here, _("Origin and journey of %(name)s", name=name)),
        epcis.Link("certificationInfo", f"{here}#certifications", _("Certificates")),
    ]
    if is_visible(product):
        page = _base_url() + url_for("catalog.product_detail", slug=product.slug)
        links.insert(0, epcis.Link("pip", page, _("Buy %(name)s", name=name)))
    if lot is not None:
        links.append(epcis.Link("epcis", f"{here}?linkType=gs1:epcis", "EPCIS 2.0", JSON_LD, []))
    return links


@bp.get("/.well-known/gs1resolver")
def resolver_description():
    """What this resolver supports, as the GS1 resolver standard describes it."""
    return jsonify(
        name=_("OCOP Shop origin tracing"),
        resolverRoot=_base_url(),
        supportedPrimaryKeys=["01"],
        supportedQualifiers={"01": ["10", "21"]},
        supportedDataAttributes=["17"],
        linkTypeDefaultCanBeLinkset=True,
        supportedLinkType=[
            {
                "namespace": epcis.GS1_VOC,
                "prefix": "gs1:",
                "linkTypes": ["gs1:pip", "gs1:traceability", "gs1:certificationInfo", "gs1:epcis"],
            }
        ],
        supportedContentTypes=["text/html", LINKSET, JSON_LD],
        supportedLanguages=current_app.config["LANGUAGES"],
    )


@bp.get("/qr/<fmt>/01/<gtin>")
@bp.get("/qr/<fmt>/01/<gtin>/10/<lot_code>")
@bp.get("/qr/<fmt>/01/<gtin>/10/<lot_code>/21/<serial>")
def qr_image(fmt: str, gtin: str, lot_code: str | None = None, serial: str | None = None):
    """The QR image of a Digital Link URI: PNG or SVG, error correction M (or ?ec=Q)."""
    if fmt not in qr.FORMATS:
        abort(404)
    if not gs1.is_valid_gtin(gtin) or any(
        v is not None and not gs1.is_valid_attribute(v) for v in (lot_code, serial)
    ):
        raise InvalidInput(_("This is not a valid GS1 code."))
    level = request.args.get("ec", current_app.config["QR_ERROR_CORRECTION"])
    uri = gs1.digital_link(_base_url(), gtin.zfill(14), lot_code, serial)
    response = Response(qr.render(uri, fmt, level), mimetype=qr.FORMATS[fmt])
    response.set_etag(qr.etag(uri, fmt, level))
    response.cache_control.public = True
    response.cache_control.max_age = 31_536_000
    response.cache_control.immutable = True
    return response.make_conditional(request)
