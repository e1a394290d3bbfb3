"""Prices and delivery fees. Money is whole đồng (int); the client never sets a price."""

from __future__ import annotations

from dataclasses import dataclass

from shop.services.places import province_by_name

# Official province codes: 01-37 are the north, 38-68 the centre and highlands, 75+ the south.
REGIONS = ((37, "north"), (68, "central"), (99, "south"))


def region_of(province_name: str) -> str | None:
    place = province_by_name(province_name)
    if place is None:
        return None
    return next(region for last, region in REGIONS if place.number <= last)


@dataclass(frozen=True)
class DeliveryRule:
    """Delivery fee per cooperative's parcel: by region, free above a threshold."""

    same_region: int = 25_000
    other_region: int = 40_000
    free_from: int = 500_000

    @classmethod
    def from_config(cls, config) -> DeliveryRule:
        return cls(
            config["DELIVERY_FEE_SAME_REGION"],
            config["DELIVERY_FEE_OTHER_REGION"],
            config["FREE_DELIVERY_FROM"],
        )

    def fee(self, subtotal: int, from_province: str, to_province: str | None) -> int:
        """The fee for one parcel; before the buyer gives a province, the higher one."""
        if subtotal >= self.free_from:
            return 0
        if to_province and region_of(from_province) == region_of(to_province):
            return self.same_region
        return self.other_region
