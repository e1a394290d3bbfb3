"""A lot's EPCIS 2.0 document field by field: the schema test says it is well formed, these
say it tells the truth about the lot."""

import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from shop.extensions import db
from shop.models import BizStep
from shop.services import epcis, tracing

BASE = "https://ocop.example"
HANOI = timezone(timedelta(hours=7))
EVENT_ID = re.compile(r"^ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0$")


def a_lot(catalog, **fields):
    """The tea's lot L-EPC with a harvest, a drying of 250.5 kg and a shipment."""
    lot = tracing.create_lot(
        catalog.tea,
        "L-EPC",
        **{"quantity": 240, "best_before": date(2027, 6, 30), "produced_on": date(2026, 11, 1)}
        | fields,
    )
    tracing.add_event(
        lot,
        BizStep.HARVESTING,
        datetime(2026, 11, 1, 6, 30, tzinfo=HANOI),
        place="Đồi chè Mỹ Tân",
        responsible="Tổ hái 3",
        description_vi="Hái chè búp",
    )
    tracing.add_event(
        lot,
        BizStep.PROCESSING,
        datetime(2026, 11, 2, 9, 0, tzinfo=HANOI),
        is_transformation=True,
        input_description="Chè búp tươi",
        input_quantity_kg=Decimal("250.5"),
    )
    tracing.add_event(lot, BizStep.SHIPPING, datetime(2026, 11, 3, 23, 15, tzinfo=UTC))
    db.session.commit()
    return lot


def test_each_event_says_what_happened_where_when_and_by_whom(catalog):
    lot = a_lot(catalog, latitude=21.3, longitude=105.1)
    lot_uri = f"{BASE}/01/{catalog.tea.gtin}/10/L-EPC"
    document = epcis.lot_document(lot, BASE)
    harvest, drying, shipment = document["epcisBody"]["eventList"]
    ids = [harvest.pop("eventID"), drying.pop("eventID"), shipment.pop("eventID")]
    geo = {"id": "geo:21.300000,105.100000"}
    certificates = [f"{lot_uri}#certifications"]
    assert harvest == {
        "type": "ObjectEvent",
        "action": "ADD",  # a harvest brings the lot into being
        "eventTime": "2026-10-31T23:30:00Z",
        "eventTimeZoneOffset": "+07:00",
        "bizStep": f"{BASE}/voc/bizstep/harvesting",  # a step CBV has no word for
        "certificationInfo": certificates,
        "readPoint": geo,
        "ocop:place": "Đồi chè Mỹ Tân",
        "ocop:responsible": "Tổ hái 3",
        "ocop:description": "Hái chè búp",
        "quantityList": [{"epcClass": lot_uri, "quantity": 240}],
        "ilmd": {"cbvmda:bestBeforeDate": "2027-06-30"},
    }
    assert drying == {
        "type": "TransformationEvent",
        "eventTime": "2026-11-02T02:00:00Z",
        "eventTimeZoneOffset": "+07:00",
        "bizStep": f"{BASE}/voc/bizstep/processing",
        "certificationInfo": certificates,
        "readPoint": geo,
        "inputQuantityList": [
            {"epcClass": f"{lot_uri}?material=input", "quantity": 250.5, "uom": "KGM"}
        ],
        "outputQuantityList": [{"epcClass": lot_uri, "quantity": 240}],
        "ocop:input": "Chè búp tươi",
        "ilmd": {"cbvmda:bestBeforeDate": "2027-06-30"},
    }
    assert shipment == {
        "type": "ObjectEvent",
        "action": "OBSERVE",  # later steps observe the lot; no dates of its making again
        "eventTime": "2026-11-03T23:15:00Z",
        "eventTimeZoneOffset": "+00:00",
        "bizStep": "shipping",  # CBV's own word
        "certificationInfo": certificates,
        "readPoint": geo,
        "quantityList": [{"epcClass": lot_uri, "quantity": 240}],
    }
    assert all(EVENT_ID.match(i) for i in ids) and len(set(ids)) == 3
    assert [e["eventID"] for e in epcis.lot_document(lot, BASE)["epcisBody"]["eventList"]] == ids


def test_the_document_names_itself_and_the_shop_s_vocabulary(catalog):
    lot = a_lot(catalog)
    before = datetime.now(UTC).replace(microsecond=0)
    document = epcis.lot_document(lot, BASE)
    lot_uri = f"{BASE}/01/{catalog.tea.gtin}/10/L-EPC"
    assert document["@context"] == [epcis.EPCIS_CONTEXT, {"ocop": f"{BASE}/voc/"}]
    assert document["id"] == f"{lot_uri}?linkType=gs1:epcis"
    assert (document["type"], document["schemaVersion"]) == ("EPCISDocument", "2.0")
    created = document["creationDate"]
    assert created.endswith("Z")
    assert before <= datetime.fromisoformat(created) <= datetime.now(UTC)


def test_what_a_lot_does_not_know_is_left_out(catalog):
    lot = a_lot(catalog, best_before=None)
    lot.events[1].input_quantity_kg = None
    lot.events[1].input_description = ""
    harvest, drying, shipment = epcis.lot_document(lot, BASE)["epcisBody"]["eventList"]
    for event in (harvest, drying, shipment):
        assert "readPoint" not in event and "ilmd" not in event  # no place on a map, no date
    assert drying["inputQuantityList"] == [
        {"epcClass": f"{BASE}/01/{catalog.tea.gtin}/10/L-EPC?material=input"}
    ]
    assert "ocop:input" not in drying
    assert not {"ocop:place", "ocop:responsible", "ocop:description"} & shipment.keys()


def test_a_lot_on_the_equator_or_the_meridian_still_has_its_place(catalog):
    lot = a_lot(catalog, latitude=0.0, longitude=105.1)
    events = epcis.lot_document(lot, BASE)["epcisBody"]["eventList"]
    assert {e["readPoint"]["id"] for e in events} == {"geo:0.000000,105.100000"}
    lot.latitude, lot.longitude = 21.3, None
    events = epcis.lot_document(lot, BASE)["epcisBody"]["eventList"]
    assert all("readPoint" not in e for e in events)


def test_event_times_are_in_utc_whatever_the_server_s_zone(catalog, monkeypatch):
    lot = a_lot(catalog)
    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    try:
        events = epcis.lot_document(lot, BASE)["epcisBody"]["eventList"]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert [e["eventTime"] for e in events] == [
        "2026-10-31T23:30:00Z",
        "2026-11-02T02:00:00Z",
        "2026-11-03T23:15:00Z",
    ]


def test_a_linkset_names_every_link_with_its_title_type_and_languages():
    trace = epcis.Link("traceability", f"{BASE}/01/1", "Nguồn gốc")
    pip = epcis.Link("pip", f"{BASE}/products/x", "Mua", hreflang=["vi"])
    data = epcis.Link("epcis", f"{BASE}/01/1?linkType=gs1:epcis", "EPCIS", "application/ld+json")
    answer = epcis.linkset(f"{BASE}/01/1", [pip, trace, data], default="traceability")

    def shown(link):
        return [
            {"href": link.href, "title": link.title, "type": link.type, "hreflang": link.hreflang}
        ]

    voc = epcis.GS1_VOC
    assert answer == {
        "linkset": [
            {
                "anchor": f"{BASE}/01/1",
                voc + "defaultLink": shown(trace),
                voc + "pip": shown(pip),
                voc + "traceability": shown(trace),
                voc + "epcis": shown(data),
            }
        ]
    }
    assert data.hreflang == ["vi", "en"] and trace.type == "text/html"
