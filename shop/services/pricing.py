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


def days_range(text: str) -> tuple[int, int]:
    """ "1-3" -> (1, 3); "2" -> (2, 2). Refused unless 0 < low <= high."""
    low, _, high = str(text).partition("-")
    days = (int(low), int(high or low))
    if not 0 < days[0] <= days[1]:
        raise ValueError(f"a delivery time in days, such as 1-3, not {text!r}")
    return days


@dataclass(frozen=True)
class DeliveryRule:
    """Delivery fee per cooperative's parcel, priced as Vietnamese carriers price theirs
    (GHN, GHTK, Viettel Post, VNPost): a base price by zone for the first ``base_grams``,
    then a price by zone for every further ``step_grams`` or part of it. Within one region
    (north, centre, south) is cheaper than across regions. Free above ``free_from``."""

    same_region: int = 25_000
    other_region: int = 40_000
    free_from: int = 500_000
    base_grams: int = 1_000
    step_grams: int = 500
    step_same_region: int = 5_000
    step_other_region: int = 9_000
    # Days from handing the parcel to the carrier to the buyer's door (standard service).
    days_same_region: tuple[int, int] = (1, 3)
    days_other_region: tuple[int, int] = (3, 5)

    @classmethod
    def from_config(cls, config) -> DeliveryRule:
        return cls(
            config["DELIVERY_FEE_SAME_REGION"],
            config["DELIVERY_FEE_OTHER_REGION"],
            config["FREE_DELIVERY_FROM"],
            config["DELIVERY_BASE_GRAMS"],
            config["DELIVERY_STEP_GRAMS"],
            config["DELIVERY_STEP_SAME_REGION"],
            config["DELIVERY_STEP_OTHER_REGION"],
            days_range(config["DELIVERY_DAYS_SAME_REGION"]),
            days_range(config["DELIVERY_DAYS_OTHER_REGION"]),
        )

    def fee(
        self, subtotal: int, from_province: str, to_province: str | None, grams: int = 0
    ) -> int:
        """The fee for one parcel of ``grams``; before the buyer gives a province, the
        higher zone's."""
        if subtotal >= self.free_from:
            return 0
        same = bool(to_province) and region_of(from_province) == region_of(to_province)
        base, step = (
            (self.same_region, self.step_same_region)
            if same
            else (self.other_region, self.step_other_region)
        )
        extra = max(grams - self.base_grams, 0)
        steps = -(-extra // self.step_grams)  # every started step counts
        return base + steps * step

    def days_by_region(self, from_province: str) -> dict[str, tuple[int, int]]:
        """How many days a parcel takes to each region (fewer within the producer's own)."""
        home = region_of(from_province)
        return {
            region: self.days_same_region if region == home else self.days_other_region
            for _, region in REGIONS
        }

    def by_region(self, subtotal: int, from_province: str, grams: int) -> dict[str, int]:
        """What one parcel costs to each region, for the product page before the cart."""
        examples = {"north": "Hà Nội", "central": "Đà Nẵng", "south": "Hồ Chí Minh"}
        return {
            region: self.fee(subtotal, from_province, example, grams)
            for region, example in examples.items()
        }
