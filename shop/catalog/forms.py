"""The catalog's filter form, read from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectField
from wtforms.validators import Length, NumberRange, Optional

from shop.services.catalog import Sort

SORT_LABELS = {
    Sort.RELEVANCE: _l("Relevance"),
    Sort.PRICE_ASC: _l("Price: low to high"),
    Sort.PRICE_DESC: _l("Price: high to low"),
    Sort.NEWEST: _l("Newest"),
    Sort.STARS: _l("Most stars"),
}
MAX_PRICE = 1_000_000_000


class ProductFilterForm(FlaskForm):
    """Filters of /products. Choices for group, province and cooperative are set by the view."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    group = SelectField(_l("Group"), choices=[], validate_choice=False)
    stars = SelectField(
        _l("OCOP stars"),
        choices=[("", _l("Any"))] + [(str(n), _l("%(n)s stars or more", n=n)) for n in (3, 4, 5)],
        validators=[Optional()],
    )
    province = SelectField(_l("Province"), choices=[], validate_choice=False)
    cooperative = SelectField(_l("Producer"), choices=[], validate_choice=False)
    min_price = IntegerField(
        _l("Min price (₫)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_PRICE)],
    )
    max_price = IntegerField(
        _l("Max price (₫)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_PRICE)],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[(s.value, label) for s, label in SORT_LABELS.items()],
        default=Sort.RELEVANCE.value,
        validators=[Optional()],
    )
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=10_000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        low, high = self.min_price.data, self.max_price.data
        if ok and low is not None and high is not None and low > high:
            self.max_price.errors.append(_l("The maximum price is below the minimum price."))
            ok = False
        return ok
