"""Machine-readable answers of the resolver: EPCIS 2.0 documents and RFC 9264 linksets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shop.models import BizStep, Lot, TraceEvent
from shop.services import gs1

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GS1_VOC = "https://gs1.org/voc/"
# Steps that CBV 2.0 names; the others get the shop's own vocabulary URIs.
CBV_STEPS = {
    BizStep.INSPECTING: "inspecting",
    BizStep.PACKING: "packing",
    BizStep.SHIPPING: "shipping",
    BizStep.RECEIVING: "receiving",
}
# Steps that bring the lot into existence (action ADD); later ones OBSERVE it.
CREATING_STEPS = {BizStep.PLANTING, BizStep.HARVESTING}


def _biz_step(step: BizStep, base_url: str) -> str:
    return CBV_STEPS.get(step) or f"{base_url}/voc/bizstep/{step.value}"


def _event_id(lot_uri: str, event: TraceEvent) -> str:
    digest = hashlib.sha256(f"{lot_uri}|{event.id}|{event.occurred_at.isoformat()}".encode())
    return f"ni:///sha-256;{digest.hexdigest()}?ver=CBV2.0"


def _event_time(event: TraceEvent) -> str:
    return event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _common(event: TraceEvent, lot: Lot, lot_uri: str, base_url: str) -> dict:
    body = {
        "eventID": _event_id(lot_uri, event),
        "eventTime": _event_time(event),
        "eventTimeZoneOffset": event.utc_offset,
        "bizStep": _biz_step(event.biz_step, base_url),
        "certificationInfo": [f"{lot_uri}#certifications"],
    }
    if lot.latitude is not None and lot.longitude is not None:
        body["readPoint"] = {"id": f"geo:{lot.latitude},{lot.longitude}"}
    extras = {
        "ocop:place": event.place,
        "ocop:responsible": event.responsible,
        "ocop:description": event.description_vi,
    }
    body.update({k: v for k, v in extras.items() if v})
    return body


def _object_event(event: TraceEvent, lot: Lot, lot_uri: str, base_url: str) -> dict:
    creating = event.biz_step in CREATING_STEPS
    body = {"type": "ObjectEvent", "action": "ADD" if creating else "OBSERVE"}
    body |= _common(event, lot, lot_uri, base_url)
    body["quantityList"] = [{"epcClass": lot_uri, "quantity": lot.quantity}]
    if creating and lot.best_before:
        body["ilmd"] = {"cbvmda:bestBeforeDate": lot.best_before.isoformat()}
    return body


def _transformation_event(event: TraceEvent, lot: Lot, lot_uri: str, base_url: str) -> dict:
    body = {"type": "TransformationEvent"} | _common(event, lot, lot_uri, base_url)
    material = {"epcClass": f"{lot_uri}?material=input"}
    if event.input_quantity_kg is not None:
        material |= {"quantity": float(event.input_quantity_kg), "uom": "KGM"}
    body["inputQuantityList"] = [material]
    body["outputQuantityList"] = [{"epcClass": lot_uri, "quantity": lot.quantity}]
    if event.input_description:
        body["ocop:input"] = event.input_description
    if lot.best_before:
        body["ilmd"] = {"cbvmda:bestBeforeDate": lot.best_before.isoformat()}
    return body


def lot_document(lot: Lot, base_url: str) -> dict:
    """An EPCIS 2.0 document of every recorded event of a lot (JSON-LD)."""
    lot_uri = gs1.digital_link(base_url, lot.product.gtin, lot.code)
    builders = {True: _transformation_event, False: _object_event}
    return {
        "@context": [EPCIS_CONTEXT, {"ocop": f"{base_url}/voc/"}],
        "id": f"{lot_uri}?linkType=gs1:epcis",
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "epcisBody": {
            "eventList": [
                builders[event.is_transformation](event, lot, lot_uri, base_url)
                for event in lot.events
            ]
        },
    }


@dataclass(frozen=True)
class Link:
    """One target of a resolver answer."""

    link_type: str  # a GS1 link type without its prefix, e.g. "pip"
    href: str
    title: str
    type: str = "text/html"
    hreflang: list[str] = field(default_factory=lambda: ["vi", "en"])


def linkset(anchor: str, links: list[Link], default: str) -> dict:
    """An RFC 9264 linkset for a GS1 Digital Link URI, with gs1:defaultLink first."""
    entry: dict = {"anchor": anchor}
    default_link = next(link for link in links if link.link_type == default)
    for link_type, link in [("defaultLink", default_link), *((li.link_type, li) for li in links)]:
        entry.setdefault(GS1_VOC + link_type, []).append(
            {"href": link.href, "title": link.title, "type": link.type, "hreflang": link.hreflang}
        )
    return {"linkset": [entry]}
