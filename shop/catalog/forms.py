"""The catalog's filter form, read from the query string."""

from __future__ import annotations

from collections import OrderedDict

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import IntegerField, SearchField, SelectField
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import Select

from shop.forms import ShopForm
from shop.services.catalog import Sort

SORT_LABELS = {
    Sort.RELEVANCE: _l("Relevance"),
    Sort.PRICE_ASC: _l("Price: low to high"),
    Sort.PRICE_DESC: _l("Price: high to low"),
    Sort.NEWEST: _l("Newest"),
    Sort.STARS: _l("Most stars"),
}
MAX_PRICE = 1_000_000_000
PRICE_RANGE = NumberRange(
    min=0, max=MAX_PRICE, message=_l("Enter a price from 0 to 1.000.000.000 ₫.")
)


class RememberedSelect(Select):
    """A ``<select>`` rendered once per choices, value and attributes, then reused.

    Every listing and search shows four selects, two with some forty options: rendering
    them option by option took about a fifth of a listing's time. The HTML depends on
    nothing else (the labels are in the key, so each language has its own)."""

    KEPT = 1024

    def __init__(self):
        super().__init__()
        self._rendered: OrderedDict[tuple, Markup] = OrderedDict()

    def __call__(self, field, **kwargs) -> Markup:
        key = (
            field.id,
            field.name,
            field.data,
            field.flags.required,
            tuple((value, str(label)) for value, label in field.choices),
            tuple(sorted(kwargs.items())),
        )
        html = self._rendered.get(key)
        if html is None:
            html = self._rendered[key] = super().__call__(field, **kwargs)
            if len(self._rendered) > self.KEPT:
                self._rendered.popitem(last=False)
        return html


class FilterSelect(SelectField):
    widget = RememberedSelect()


def _strip(value):
    """Choices arrive from URLs people edit: " 4" means "4"."""
    return value.strip() if isinstance(value, str) else value


class ProductFilterForm(ShopForm):
    """Filters of /products. Choices for group, province and cooperative are set by the view."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    group = FilterSelect(_l("Group"), choices=[], validate_choice=False, filters=[_strip])
    stars = FilterSelect(
        _l("OCOP stars"),
        filters=[_strip],
        choices=[("", _l("Any"))] + [(str(n), _l("%(n)s stars or more", n=n)) for n in (3, 4, 5)],
        validators=[Optional()],
        validate_choice=False,
    )
    province = FilterSelect(_l("Province"), choices=[], validate_choice=False, filters=[_strip])
    cooperative = FilterSelect(_l("Producer"), choices=[], validate_choice=False, filters=[_strip])
    min_price = IntegerField(_l("Min price (₫)"), validators=[Optional(), PRICE_RANGE])
    max_price = IntegerField(_l("Max price (₫)"), validators=[Optional(), PRICE_RANGE])
    sort = FilterSelect(
        _l("Sort by"),
        choices=[(s.value, label) for s, label in SORT_LABELS.items()],
        default=Sort.RELEVANCE.value,
        filters=[_strip],
        validators=[Optional()],
        validate_choice=False,
    )
    page = IntegerField(
        _l("Page"),
        validators=[Optional(), NumberRange(min=1, max=10_000, message=_l("No such page."))],
    )

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data, extra_filters, **kwargs)
        # WTForms has no Vietnamese messages: say in our words what a bad number is.
        for field in (self.min_price, self.max_price, self.page):
            if field.process_errors:
                field.process_errors = [_l("Enter a whole number.")]

    def validate_stars(self, field):
        if field.data and field.data not in {"3", "4", "5"}:
            raise ValidationError(_l("Choose 3, 4 or 5 stars."))

    def validate_sort(self, field):
        if field.data and field.data not in {s.value for s in Sort}:
            raise ValidationError(_l("Choose a sort order from the list."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        low, high = self.min_price.data, self.max_price.data
        if ok and low is not None and high is not None and low > high:
            self.max_price.errors.append(_l("The maximum price is below the minimum price."))
            ok = False
        return ok
