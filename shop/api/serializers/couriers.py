"""What the courier endpoints send and take: a job board card, a job with its two stops
and the cash to collect, the earnings page's weeks and balances; the codes a courier
scans or types, and the cash it confirms. Money is a decimal string beside its
currency; the buyer's address and phone are sent only to the courier who holds the job,
as the job's page shows them. Also the ENS endpoints' query and body."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from couriers.models import DeliveryJob
from couriers.selectors import job_cash_to_collect

from .fields import Text


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True, read_only=True, **kwargs)


class JobStoreSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class JobCardSerializer(serializers.Serializer):
    """A job as the board's card shows it."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=DeliveryJob.Kind.choices, read_only=True)
    status = serializers.ChoiceField(choices=DeliveryJob.Status.choices, read_only=True)
    order_number = serializers.CharField(source="for_order.number", read_only=True)
    store = JobStoreSerializer(read_only=True)
    pickup_area = serializers.CharField(source="pickup_area.name", read_only=True, allow_null=True)
    dropoff_area = serializers.CharField(source="dropoff_area.name", read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True, help_text="For a return pickup: what to collect.")
    distance_km = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=True, read_only=True)
    rate_per_km = _money()
    bonus = _money()
    commission = _money(help_text="What the courier earns for the job.")
    currency = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    away_km = serializers.SerializerMethodField(help_text="With lat and lng: how far the pickup is from there.")

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_away_km(self, job) -> float | None:
        away = getattr(job, "away_km", None)
        return None if away is None else round(float(away), 1)


class StopSerializer(serializers.Serializer):
    """One end of a job: the store, or the buyer's delivery address (the address, phone
    and instructions only for the courier who holds the job)."""

    who = serializers.ChoiceField(choices=["store", "buyer"], read_only=True)
    name = serializers.CharField(read_only=True, allow_null=True)
    address = serializers.CharField(read_only=True, allow_null=True)
    phone = serializers.CharField(read_only=True, allow_null=True)
    instructions = serializers.CharField(read_only=True)
    area = serializers.CharField(read_only=True, allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, read_only=True, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, read_only=True, allow_null=True)


def _store_stop(job: DeliveryJob, *, latitude, longitude, area) -> dict:
    return {
        "who": "store",
        "name": job.store.name,
        "address": job.store.area_label or None,
        "phone": None,
        "instructions": "",
        "area": area.name if area else None,
        "latitude": latitude,
        "longitude": longitude,
    }


def _buyer_stop(job: DeliveryJob, *, latitude, longitude, area, shown: bool) -> dict:
    checkout = job.for_order.checkout
    notes = [checkout.instructions] if checkout.instructions else []
    if not job.is_return and job.order.buyer_note and job.order.buyer_note != checkout.instructions:
        notes.append(job.order.buyer_note)
    return {
        "who": "buyer",
        "name": checkout.recipient if shown else None,
        "address": f"{checkout.street}, {checkout.area_label}" if shown else None,
        "phone": str(checkout.phone) if shown and checkout.phone else None,
        "instructions": "\n".join(notes) if shown else "",
        "area": area.name if area else (checkout.area_label or None),
        "latitude": latitude,
        "longitude": longitude,
    }


class JobSerializer(JobCardSerializer):
    """A job as its page shows it: both stops, the cash to collect, where it stands."""

    commission_payer = serializers.ChoiceField(choices=DeliveryJob.Payer.choices, read_only=True)
    pickup = serializers.SerializerMethodField()
    dropoff = serializers.SerializerMethodField()
    cash_to_collect = serializers.SerializerMethodField(
        help_text="Cash the courier collects from the buyer: a cash order's total at the door, or a "
        "buyer-paid return pickup's commission; null when there is none."
    )
    cash_amount = _money(allow_null=True, help_text="The cash the courier confirmed it received.")
    cash_confirmed_by_courier = serializers.SerializerMethodField()
    cash_confirmed_by_buyer = serializers.SerializerMethodField()
    accepted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    picked_up_at = serializers.DateTimeField(read_only=True, allow_null=True)
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def _shown(self, job) -> bool:
        request = self.context.get("request")
        return request is not None and job.courier_id == request.user.pk

    def _ends(self, job) -> tuple[dict, dict]:
        start = {"latitude": job.pickup_latitude, "longitude": job.pickup_longitude, "area": job.pickup_area}
        end = {"latitude": job.dropoff_latitude, "longitude": job.dropoff_longitude, "area": job.dropoff_area}
        if job.is_return:  # from the buyer back to the store
            return _buyer_stop(job, shown=self._shown(job), **start), _store_stop(job, **end)
        return _store_stop(job, **start), _buyer_stop(job, shown=self._shown(job), **end)

    @extend_schema_field(StopSerializer)
    def get_pickup(self, job) -> dict:
        return StopSerializer(self._ends(job)[0]).data

    @extend_schema_field(StopSerializer)
    def get_dropoff(self, job) -> dict:
        return StopSerializer(self._ends(job)[1]).data

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_cash_to_collect(self, job) -> str | None:
        amount = job_cash_to_collect(job)
        return None if amount is None else f"{amount:.2f}"

    @extend_schema_field(serializers.BooleanField())
    def get_cash_confirmed_by_courier(self, job) -> bool:
        return job.cash_courier_confirmed_at is not None

    @extend_schema_field(serializers.BooleanField())
    def get_cash_confirmed_by_buyer(self, job) -> bool:
        return job.cash_buyer_confirmed_at is not None


class MyJobsSerializer(serializers.Serializer):
    active = JobSerializer(many=True, read_only=True, help_text="Accepted, picked up or at the door.")
    delivered_today = JobSerializer(many=True, read_only=True)


class CodeInput(serializers.Serializer):
    code = Text(
        max_length=200,
        trim_whitespace=False,
        help_text="A package label's QR text as scanned, or the 6 digits printed under it; "
        "for a return pickup, the buyer's 8-digit pickup code.",
    )


class HandoverInput(serializers.Serializer):
    code = Text(
        max_length=200,
        trim_whitespace=False,
        help_text="The buyer's QR code as scanned (or a return's drop-off QR); or, with `order`, "
        "the 8 digits typed (for a return pickup, the store's drop-off code).",
    )
    order = Text(
        max_length=40,
        trim_whitespace=False,
        required=False,
        help_text="The order number, when the code was typed rather than scanned.",
    )


class CashInput(serializers.Serializer):
    amount = Text(
        max_length=32,
        trim_whitespace=False,
        help_text="The cash received, as a decimal string (e.g. 1250.00): the order's total exactly.",
    )


class AmountSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    amount = _money()


class EarningJobSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=DeliveryJob.Kind.choices, read_only=True)
    order_number = serializers.CharField(source="for_order.number", read_only=True)
    store = JobStoreSerializer(read_only=True)
    commission = _money()
    cash_amount = _money(allow_null=True)
    currency = serializers.CharField(read_only=True)
    delivered_at = serializers.DateTimeField(read_only=True)


def _amounts(by_currency: dict) -> list[dict]:
    return [{"currency": currency, "amount": amount} for currency, amount in sorted(by_currency.items())]


class EarningsWeekSerializer(serializers.Serializer):
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    jobs = EarningJobSerializer(many=True, read_only=True)
    commission = serializers.SerializerMethodField()
    cash = serializers.SerializerMethodField(help_text="Cash collected at the door, per currency.")

    @extend_schema_field(AmountSerializer(many=True))
    def get_commission(self, week) -> list:
        return AmountSerializer(_amounts(week.commission), many=True).data

    @extend_schema_field(AmountSerializer(many=True))
    def get_cash(self, week) -> list:
        return AmountSerializer(_amounts(week.cash), many=True).data


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    cash_held = _money(help_text="Cash in the courier's hands, not handed in yet.")
    commission_owed = _money(help_text="Commission Soko still owes the courier.")
    to_remit = _money(help_text="What to hand in: the cash less the commission (negative: Soko owes more).")


class RatingSerializer(serializers.Serializer):
    stars = serializers.IntegerField(read_only=True, min_value=1, max_value=5)
    comment = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class EarningsSerializer(serializers.Serializer):
    deliveries_count = serializers.IntegerField(read_only=True)
    rating = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True, allow_null=True)
    rating_count = serializers.IntegerField(read_only=True)
    balances = BalanceSerializer(many=True, read_only=True)
    weeks = EarningsWeekSerializer(many=True, read_only=True, help_text="The last eight weeks, the latest first.")
    ratings = RatingSerializer(many=True, read_only=True, help_text="The latest ratings from buyers.")


class StrictQuery(serializers.Serializer):
    """A query string as the document types it: a parameter sent empty, or more than once,
    is refused (a form would quietly read it as left out)."""

    def to_internal_value(self, data):
        refused = {}
        for name in self.fields:
            values = data.getlist(name) if hasattr(data, "getlist") else []
            if len(values) > 1:
                refused[name] = [_("Send this parameter once.")]
            elif "" in values:
                refused[name] = [_("Send a value, or leave the parameter out.")]
        if refused:
            raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


class BoardQuery(StrictQuery):
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90, help_text="Where the courier is.")
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)


STORE_SLUG = "^[-a-zA-Z0-9_]+$"


class EnsNameQuery(StrictQuery):
    name = Text(
        max_length=255, trim_whitespace=False, help_text="The ENS name as the seller typed it, e.g. MamaNjeri.eth."
    )
    store = serializers.RegexField(
        STORE_SLUG,
        max_length=60,
        required=False,
        help_text="The seller's store (its slug): its own name is not counted as in use.",
    )


class EnsStoreInput(serializers.Serializer):
    store = serializers.RegexField(STORE_SLUG, max_length=60, help_text="The seller's store (its slug).")


class EnsSignatureInput(EnsStoreInput):
    message = serializers.CharField(
        max_length=4000, trim_whitespace=False, help_text="The Sign-In with Ethereum message from `POST /ens/message/`."
    )
    signature = serializers.CharField(
        max_length=4200, help_text="The message's EIP-191 signature (`personal_sign`) by the address the name resolves to."
    )
