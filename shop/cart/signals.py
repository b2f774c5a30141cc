from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .models import Cart
from .services import SESSION_KEY, cart_merge, guest_token


# Django's signal rather than allauth's: allauth logs in through django.contrib.auth, so
# this also covers allauth's log-in and sign-up, the admin and tests' force_login.
@receiver(user_logged_in, dispatch_uid="cart_merge_at_login")
def merge_guest_cart(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    token = guest_token(session) if session is not None else None
    if session is not None:
        session.pop(SESSION_KEY, None)
    if token is None:
        return
    guest_cart = Cart.objects.filter(token=token, user__isnull=True).first()
    if guest_cart is not None:
        cart_merge(guest_cart=guest_cart, user=user)
    request.__dict__.pop("_soko_cart", None)
    request.__dict__.pop("_soko_cart_count", None)
