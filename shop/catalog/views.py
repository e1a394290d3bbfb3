"""Views of the public catalog. Each parses the request, asks a service, renders."""

from __future__ import annotations

from dataclasses import replace

from flask import Response, current_app, g, render_template, request, send_from_directory
from flask_babel import gettext as _
from flask_login import current_user

from shop import fragments
from shop.catalog import bp
from shop.catalog.forms import ProductFilterForm
from shop.catalog.reviews import review_context
from shop.extensions import db
from shop.i18n import current_language
from shop.page_cache import cached_page
from shop.services import catalog, certificates, recalls, search
from shop.services.catalog import ProductFilters, Sort
from shop.services.places import province_by_code, provinces
from shop.services.pricing import DeliveryRule
from shop.templating import external_url


@bp.get("/")
@cached_page
def home():
    """The shop window: best-rated and newest products, the six groups, producers."""
    return render_template(
        "catalog/home.html",
        top_rated=catalog.top_rated(),
        newest=catalog.newest(),
        groups=catalog.group_tree(),
        cooperatives=catalog.featured_cooperatives(),
    )


@bp.get("/products")
@cached_page
def product_list():
    """The catalog with filters; invalid filters get a 400 that says what is wrong."""
    form = ProductFilterForm(request.args)
    groups = catalog.group_tree()
    _fill_choices(form, groups)
    filters, errors = _read_filters(form, groups)
    if errors:
        return render_template(
            "catalog/list.html", form=form, page=None, errors=errors, groups=groups
        ), 400
    page = _page_of(filters, form.page.data or 1)
    corrected = None
    if filters.q and page.total == 0 and catalog.only_words(filters):
        corrected, page = _spelling_corrected(filters, page, form.page.data or 1)
    return render_template(
        "catalog/list.html",
        form=form,
        page=page,
        errors=[],
        groups=groups,
        filters=filters,
        corrected=corrected,
    )


def _page_of(filters: ProductFilters, number: int) -> catalog.CatalogPage:
    """The ids of one page and the count behind the pager. What is the same for everyone
    is cached: a search's ranked matches and count serve all its pages and sorts, a
    listing's count every page and sort of the same filters."""
    per_page = current_app.config["PRODUCTS_PER_PAGE"]
    key = catalog.filters_key(filters)
    if not filters.q:
        total = fragments.shared(f"count:{key}", lambda: catalog.count_products(filters))
        ids = catalog.page_ids(filters, number, per_page) if total else []
        return catalog.CatalogPage(ids, number, per_page, total)
    ranked = fragments.shared(f"ranked:{key}", lambda: catalog.ranked_matches(filters))
    start = (number - 1) * per_page
    kept = start + per_page <= len(ranked.ids) or len(ranked.ids) == ranked.total
    if filters.sort is Sort.RELEVANCE and kept:
        ids = list(ranked.ids[start : start + per_page])
    else:
        ids = catalog.page_ids(filters, number, per_page) if ranked.total else []
    return catalog.CatalogPage(ids, number, per_page, ranked.total, ranked.capped)


def _spelling_corrected(filters: ProductFilters, page, number: int):
    """The products of the query with one wrong letter per word put right; when that finds
    nothing either, the search is logged for the office (and the page not cached, so each
    one counts)."""
    # Building the words reads every visible name (a second at 100,000 products, ten at a
    # million; bench/spelling.py): the worker does it every few minutes, not a request.
    words = fragments.prepared(
        search.WORDS_KEY, search.known_words, search.WORDS_SECONDS, missing={}
    )
    corrected = search.corrected_query(filters.q, words)
    if corrected:
        fixed_page = _page_of(replace(filters, q=corrected), number)
        if fixed_page.total:
            return corrected, fixed_page
    search.note_miss(filters.q, searcher=current_user)
    g.skip_page_cache = True
    return None, page


def _fill_choices(form: ProductFilterForm, groups) -> None:
    lang = current_language()
    form.group.choices = [("", _("All groups"))] + [
        (c.slug, ("— " if c.parent_id else "") + (c.name_en if lang == "en" else c.name_vi))
        for parent in groups
        for c in (parent, *parent.children)
    ]
    selling = set(fragments.shared("provinces", catalog.provinces_with_products))
    form.province.choices = [("", _("All provinces"))] + [
        (p.code, p.name) for p in provinces() if p.name in selling
    ]
    form.cooperative.choices = [("", _("All producers"))]


def _read_filters(form: ProductFilterForm, groups) -> tuple[ProductFilters, list[str]]:
    """Turn a validated form into service filters, or list what is wrong."""
    if not form.validate():
        return ProductFilters(), [
            f"{form[name].label.text}: {msgs[0]}" for name, msgs in form.errors.items()
        ]
    errors: list[str] = []
    group = catalog.find_category(groups, form.group.data)
    if form.group.data and group is None:
        errors.append(_("Unknown product group."))
    place = province_by_code(form.province.data) if form.province.data else None
    if form.province.data and place is None:
        errors.append(_("Unknown province."))
    cooperative = (
        catalog.cooperative_by_slug(form.cooperative.data) if form.cooperative.data else None
    )
    if form.cooperative.data and cooperative is None:
        errors.append(_("Unknown producer."))
    filters = ProductFilters(
        q=(form.q.data or "").strip(),
        group=group,
        min_stars=int(form.stars.data) if form.stars.data else None,
        province=place.name if place else None,
        cooperative=cooperative,
        min_price=form.min_price.data,
        max_price=form.max_price.data,
        sort=Sort(form.sort.data or Sort.RELEVANCE),
    )
    return filters, errors


@bp.get("/products/<slug>")
@cached_page
def product_detail(slug: str):
    """One product: price, OCOP stars and certificate, certifications, producer."""
    product = catalog.product_page(slug)
    return render_template(
        "catalog/product.html", **product_context(product), **review_context(product)
    )


def product_context(product) -> dict:
    """What the product page shows besides its reviews: recalls, delivery by region."""
    rule = DeliveryRule.from_config(current_app.config)
    return {
        "product": product,
        "delivery": rule.by_region(
            product.price, product.cooperative.province, product.weight_grams
        ),
        "delivery_days": rule.days_by_region(product.cooperative.province),
        "free_from": rule.free_from,
        "open_recalls": recalls.open_for_product(product),
    }


@bp.get("/cooperatives/<slug>")
@cached_page
def cooperative_detail(slug: str):
    """A producer's story, location, certifications and products."""
    cooperative = catalog.approved_cooperative(slug)
    page = db.paginate(
        catalog.products_of(cooperative),
        per_page=current_app.config["PRODUCTS_PER_PAGE"],
        error_out=False,
    )
    return render_template("catalog/cooperative.html", cooperative=cooperative, page=page)


@bp.get("/sitemap.xml")
def sitemap():
    products, cooperatives = catalog.sitemap_entries()
    xml = render_template("catalog/sitemap.xml", products=products, cooperatives=cooperatives)
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = [
        "User-agent: *",
        "Disallow: /cart",
        "Disallow: /checkout",
        "Disallow: /coop/",
        "Disallow: /admin/",
        f"Sitemap: {external_url('catalog.sitemap')}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/certificates/<int:certificate_id>/document")
def certificate_document(certificate_id: int):
    """A certificate's document: public once the office verified it; before that only its
    cooperative and the office may open it (anyone else gets 404, as for a missing one)."""
    certificate = certificates.document_for(certificate_id, current_user)
    response = send_from_directory(
        current_app.config["DOCUMENT_DIR"], certificate.document_path, max_age=3600
    )
    response.headers["Content-Disposition"] = "inline"
    if certificate.verified_at is None:
        response.cache_control.private = True
        response.cache_control.public = False
    return response


@bp.get("/media/uploads/<path:filename>")
def media(filename: str):
    """Uploaded product photos (re-encoded WebP; the names are random, so cache them long)."""
    return send_from_directory(current_app.config["UPLOAD_DIR"], filename, max_age=31_536_000)
