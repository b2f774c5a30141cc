"""Reports made before trust and safety had one place: chat reports (of a message, or of a
whole conversation: then of the other side, the store or the shopper) and review reports
become moderation reports, gathered into their targets' cases. The old rows stay as they
were (read-only history); new reports go through ``shop.moderation.reports``."""

from django.db import migrations

CHAT_REASON = {"scam": "scam", "abuse": "offensive", "spam": "spam", "prohibited": "prohibited", "other": "other"}
CHAT_STATUS = {"open": "open", "resolved": "upheld", "rejected": "rejected"}
REVIEW_REASON = {"offensive": "offensive", "spam": "spam", "fake": "scam"}
REVIEW_LABEL = {"off_topic": "Not about the product or store", "personal": "Shares personal information"}


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Case = apps.get_model("moderation", "Case")
    Report = apps.get_model("moderation", "Report")
    ChatReport = apps.get_model("chat", "Report")
    ReviewReport = apps.get_model("reviews", "ReviewReport")
    StoreMember = apps.get_model("sellers", "StoreMember")
    types = {}

    def type_of(app_label, model):
        if (app_label, model) not in types:
            types[app_label, model] = ContentType.objects.get_or_create(app_label=app_label, model=model)[0]
        return types[app_label, model]

    def store_owner(store_id):
        member = StoreMember.objects.filter(store_id=store_id).order_by("role", "created_at", "pk").first()
        return member.user_id if member else None

    touched = set()

    def add(*, target, label, owner_id, reporter_id, reason, text, status, created_at, decided_at):
        case, _ = Case.objects.get_or_create(
            target_type=target[0], target_id=target[1], defaults={"target_label": label[:200], "owner_id": owner_id}
        )
        if status == "open" and Report.objects.filter(case=case, reporter_id=reporter_id, status="open").exists():
            return
        report = Report.objects.create(
            case=case, reporter_id=reporter_id, reason=reason, text=text[:1000], status=status, decided_at=decided_at
        )
        Report.objects.filter(pk=report.pk).update(created_at=created_at, updated_at=created_at)
        touched.add(case.pk)

    for old in ChatReport.objects.select_related("conversation", "message").order_by("pk"):
        conversation = old.conversation
        if old.message_id:
            message = old.message
            target = (type_of("chat", "message"), message.pk)
            label, owner_id = message.text or message.kind, message.sender_id
        elif old.reporter_id == conversation.buyer_id:
            other = conversation.courier_id if conversation.kind == "delivery" else None
            if other:
                target, label, owner_id = (type_of("accounts", "user"), other), f"user {other}", other
            else:
                target, owner_id = (type_of("sellers", "store"), conversation.store_id), store_owner(conversation.store_id)
                label = conversation.store.name
        else:
            buyer = conversation.buyer
            target, label, owner_id = (type_of("accounts", "user"), buyer.pk), buyer.display_name or buyer.email.split("@")[0], buyer.pk
        add(
            target=target, label=label, owner_id=owner_id, reporter_id=old.reporter_id,
            reason=CHAT_REASON.get(old.reason, "other"), text=old.text, status=CHAT_STATUS.get(old.status, "open"),
            created_at=old.created_at, decided_at=old.updated_at if old.status != "open" else None,
        )

    for old in ReviewReport.objects.select_related("review", "review__product", "review__store").order_by("pk"):
        review = old.review
        status = "open" if old.closed_at is None else "upheld" if review.hidden_at is not None else "rejected"
        text = old.text
        if old.reason in REVIEW_LABEL:
            text = f"{REVIEW_LABEL[old.reason]}. {text}".strip()
        about = review.product.title if review.product_id else review.store.name
        add(
            target=(type_of("reviews", "review"), review.pk), label=f"{review.stars}★ {review.author_name} · {about}",
            owner_id=review.author_id, reporter_id=old.reporter_id, reason=REVIEW_REASON.get(old.reason, "other"),
            text=text, status=status, created_at=old.created_at, decided_at=old.closed_at,
        )

    for case in Case.objects.filter(pk__in=touched):
        reports = Report.objects.filter(case=case)
        case.open_reporters = reports.filter(status="open", counts=True).values("reporter_id").distinct().count()
        latest = reports.order_by("-created_at").first()
        case.last_reported_at = latest.created_at if latest else None
        if not reports.filter(status="open").exists():
            case.status = "closed"
        case.save(update_fields=["open_reporters", "last_reported_at", "status"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("moderation", "0002_log_append_only"),
        ("chat", "0003_hidden_by_soko"),
        ("reviews", "0002_review_change_triggers"),
        ("sellers", "0010_store_return_window"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
