"""Forms of the cooperative dashboard: labelled, short, validated again on the server."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from shop.forms import ShopForm
from shop.models import BizStep, CertificationKind
from shop.services.banks import BANKS


class ProductForm(ShopForm):
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    description_vi = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=5000)]
    )
    group = SelectField(_l("Group"), validators=[DataRequired()])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=60)])
    price = IntegerField(
        _l("Price"), validators=[DataRequired(), NumberRange(min=1, max=99_999_999)]
    )
    stock = IntegerField(
        _l("Opening stock"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    stock_change = IntegerField(
        _l("Units received (+) or removed (−)"),
        validators=[Optional(), NumberRange(min=-1_000_000, max=1_000_000)],
    )
    gtin = StringField(_l("GTIN"), validators=[DataRequired(), Length(max=14)])
    weight_grams = IntegerField(
        _l("Weight of one package, packed (grams)"),
        validators=[Optional(), NumberRange(min=1, max=30_000)],
    )
    label_origin = StringField(
        _l("Origin (where it was grown or made)"), validators=[Optional(), Length(max=200)]
    )
    label_net_quantity = StringField(_l("Net quantity"), validators=[Optional(), Length(max=60)])
    label_ingredients = TextAreaField(
        _l("Ingredients or materials"), validators=[Optional(), Length(max=1000)]
    )
    label_storage_use = TextAreaField(
        _l("Storage and use"), validators=[Optional(), Length(max=1000)]
    )
    label_shelf_life = StringField(_l("Shelf life"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)
    photo = MultipleFileField(_l("Photos"))


class SizeForm(ShopForm):
    """Another package size of a product: what its label says, its own GTIN, price, stock."""

    unit = StringField(_l("Size, as the label says"), validators=[DataRequired(), Length(max=60)])
    price = IntegerField(
        _l("Price (đồng)"), validators=[DataRequired(), NumberRange(min=1, max=99_999_999)]
    )
    opening_stock = IntegerField(
        _l("Units in stock"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    gtin = StringField(_l("GTIN"), validators=[DataRequired(), Length(max=14)])
    weight_grams = IntegerField(
        _l("Weight of one package, packed (grams)"),
        validators=[Optional(), NumberRange(min=1, max=30_000)],
    )
    label_net_quantity = StringField(_l("Net quantity"), validators=[Optional(), Length(max=60)])


class StockForm(ShopForm):
    """Units received (positive) or removed (negative): a change, never an absolute stock."""

    change = IntegerField(
        _l("Add or remove units"),
        validators=[
            DataRequired(message=_l("Give a number of units to add or remove, other than 0.")),
            NumberRange(min=-1_000_000, max=1_000_000),
        ],
    )


class CsvForm(ShopForm):
    file = FileField(_l("CSV file"))


class LotForm(ShopForm):
    code = StringField(_l("Lot code"), validators=[DataRequired(), Length(max=20)])
    produced_on = DateField(_l("Harvest or production date"), validators=[Optional()])
    packed_on = DateField(_l("Packing date"), validators=[Optional()])
    best_before = DateField(_l("Best before"), validators=[Optional()])
    quantity = IntegerField(
        _l("Quantity"), validators=[Optional(), NumberRange(min=0, max=10_000_000)]
    )
    area_name = StringField(_l("Growing area"), validators=[Optional(), Length(max=200)])
    area_commune = StringField(_l("Ward or commune"), validators=[Optional(), Length(max=120)])
    area_province = StringField(_l("Province"), validators=[Optional(), Length(max=80)])
    latitude = DecimalField(
        _l("Latitude"), places=6, validators=[Optional(), NumberRange(min=-90, max=90)]
    )
    longitude = DecimalField(
        _l("Longitude"), places=6, validators=[Optional(), NumberRange(min=-180, max=180)]
    )


STEP_LABELS = {
    BizStep.PLANTING: _l("Planting"),
    BizStep.GROWING: _l("Growing"),
    BizStep.INSPECTING: _l("Inspection"),
    BizStep.HARVESTING: _l("Harvest"),
    BizStep.PROCESSING: _l("Processing"),
    BizStep.PACKING: _l("Packing"),
    BizStep.SHIPPING: _l("Shipping"),
    BizStep.RECEIVING: _l("Received"),
}


class EventForm(ShopForm):
    biz_step = SelectField(
        _l("Step"), choices=[(s.value, label) for s, label in STEP_LABELS.items()]
    )
    occurred_at = DateTimeLocalField(
        _l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    responsible = StringField(_l("Done by"), validators=[Optional(), Length(max=200)])
    description_vi = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    input_description = StringField(
        _l("Made from (for processing)"), validators=[Optional(), Length(max=200)]
    )
    photo = FileField(_l("Photo"))


class LabelsForm(ShopForm):
    count = IntegerField(
        _l("Number of labels"), validators=[DataRequired(), NumberRange(min=1, max=5000)]
    )
    sturdy = BooleanField(_l("Sturdier code for labels that get scuffed (Q)"))


class ShipForm(ShopForm):
    carrier = StringField(
        _l("Carrier"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"list": "carriers", "autocomplete": "off"},
    )
    tracking_number = StringField(
        _l("Tracking number"), validators=[DataRequired(), Length(max=80)]
    )


class InviteForm(ShopForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class RecallForm(ShopForm):
    reason = TextAreaField(
        _l("Why the lot is recalled"), validators=[DataRequired(), Length(max=500)]
    )
    instructions = TextAreaField(
        _l("What buyers should do"), validators=[DataRequired(), Length(max=1000)]
    )
    contact = StringField(
        _l("Whom buyers can contact (phone, email)"), validators=[DataRequired(), Length(max=200)]
    )


class CloseRecallForm(ShopForm):
    resolution = TextAreaField(
        _l("How the recall was resolved"), validators=[DataRequired(), Length(max=1000)]
    )


class ProfileForm(ShopForm):
    story_vi = TextAreaField(_l("Your story"), validators=[Optional(), Length(max=5000)])
    story_en = TextAreaField(_l("Your story (English)"), validators=[Optional(), Length(max=5000)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)])
    commune = StringField(_l("Ward or commune"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[DataRequired(), Length(max=30)])
    registration_number = StringField(
        _l("Business registration or tax number"), validators=[DataRequired(), Length(max=20)]
    )
    zalo_url = URLField(_l("Zalo page"), validators=[Optional(), Length(max=300)])
    facebook_url = URLField(_l("Facebook page"), validators=[Optional(), Length(max=300)])
    website_url = URLField(_l("Website"), validators=[Optional(), Length(max=300)])
    latitude = DecimalField(
        _l("Latitude"), places=6, validators=[Optional(), NumberRange(min=8, max=24)]
    )
    longitude = DecimalField(
        _l("Longitude"), places=6, validators=[Optional(), NumberRange(min=102, max=118)]
    )
    logo = FileField(_l("Logo"))
    photos = MultipleFileField(_l("Photos of your place and people"))


class BankAccountForm(ShopForm):
    bank_bin = SelectField(_l("Bank"), validators=[DataRequired()])
    account_number = StringField(_l("Account number"), validators=[DataRequired(), Length(max=30)])
    account_name = StringField(_l("Account holder"), validators=[DataRequired(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        banks = sorted(BANKS.items(), key=lambda item: item[1])
        self.bank_bin.choices = [("", _l("Choose a bank")), *banks]


class CertificateForm(ShopForm):
    kind = SelectField(_l("Kind"), choices=[(k.value, k.value) for k in CertificationKind])
    number = StringField(_l("Certificate number"), validators=[DataRequired(), Length(max=80)])
    issuer = StringField(_l("Issued by"), validators=[DataRequired(), Length(max=200)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid until"), validators=[Optional()])
    product = SelectField(_l("Covers"), validators=[Optional()])
    document = FileField(_l("The certificate (PDF or photo)"))

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, CERT_KIND_LABELS[k]) for k in CertificationKind]
        self.product.choices = [("", _l("The whole cooperative"))] + [
            (str(p.id), p.name_vi) for p in products
        ]


CERT_KIND_LABELS = {
    CertificationKind.VIETGAP: "VietGAP",
    CertificationKind.GLOBALGAP: "GlobalGAP",
    CertificationKind.ORGANIC: _l("Organic"),
    CertificationKind.GEOGRAPHICAL_INDICATION: _l("Geographical indication"),
    CertificationKind.HACCP: "HACCP",
    CertificationKind.ISO_22000: "ISO 22000",
    CertificationKind.OTHER: _l("Other certificate"),
}
