"""The dashboard's gate, for the API: signed in, and every write (any method but GET,
HEAD, OPTIONS) by an account in good standing, as ``sellers.decorators.seller_required``
asks of the pages. Which store, listing or order a request may touch is the access
selectors' answer in each view."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from sellers.decorators import READING
from shop.accounts.selectors.standing import ensure_can_transact


class SellerView(APIView):
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in READING:
            ensure_can_transact(request.user)
