from django.db import transaction

from .models import Store, StoreMember


@transaction.atomic
def store_create(*, owner, name: str, slug: str, phone: str, area: str) -> Store:
    store = Store.objects.create(name=name, slug=slug, phone=phone, area=area)
    StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    return store
