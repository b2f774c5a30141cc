"""What the platform's key sent on chain, recorded before it is sent.

A transaction is signed here (the key never leaves the process), so its hash is known
before the node sees it: the row holding the signed bytes and the hash is committed first,
then the bytes are broadcast. A job that dies in between is retried under the same ``key``
and finds the row: it asks the node about that hash and broadcasts the same bytes again if
the node has never seen them (the same nonce, so at most one of them is ever mined)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from shop.core.models import TimeStamped


class ChainSender(models.Model):
    """An address the platform sends from, and the next nonce it will sign with: taken under
    this row's lock, so two workers never sign two transactions with one nonce."""

    address = models.CharField(verbose_name=gettext_lazy("address"), max_length=42, unique=True)
    next_nonce = models.PositiveBigIntegerField(verbose_name=gettext_lazy("next nonce"), default=0)

    class Meta:
        verbose_name = gettext_lazy("sending address")
        verbose_name_plural = gettext_lazy("sending addresses")

    def __str__(self):
        return self.address


class EscrowTransfer(TimeStamped):
    """A release to a store or a refund to a buyer out of the escrow, once per ``key``."""

    class Kind(models.TextChoices):
        RELEASE = "release", gettext_lazy("Release to a store")
        REFUND = "refund", gettext_lazy("Refund to the buyer")

    class Status(models.TextChoices):
        SIGNED = "signed", gettext_lazy("Signed, not yet seen by the node")
        SENT = "sent", gettext_lazy("Sent, waiting to be mined")
        MINED = "mined", gettext_lazy("Mined")
        FAILED = "failed", gettext_lazy("Refused by the contract")

    key = models.CharField(verbose_name=gettext_lazy("key"), max_length=200, unique=True)
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices)
    escrow = models.CharField(verbose_name=gettext_lazy("escrow contract"), max_length=42)
    checkout_id = models.CharField(verbose_name=gettext_lazy("checkout id on chain"), max_length=66, db_index=True)
    to_address = models.CharField(verbose_name=gettext_lazy("paid to"), max_length=42)
    amount_minor = models.BigIntegerField(verbose_name=gettext_lazy("amount (token minor units)"))
    sender = models.CharField(verbose_name=gettext_lazy("sent from"), max_length=42)
    nonce = models.PositiveBigIntegerField(verbose_name=gettext_lazy("nonce"))
    tx_hash = models.CharField(verbose_name=gettext_lazy("transaction hash"), max_length=66, unique=True)
    raw_transaction = models.TextField(verbose_name=gettext_lazy("signed transaction"))
    # Hashes signed before this one for the same transfer whose nonce another transaction took.
    replaced_hashes = models.JSONField(
        verbose_name=gettext_lazy("replaced transaction hashes"), default=list, blank=True
    )
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.SIGNED
    )
    block_number = models.PositiveBigIntegerField(verbose_name=gettext_lazy("block"), null=True, blank=True)
    error = models.CharField(verbose_name=gettext_lazy("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("escrow transfer")
        verbose_name_plural = gettext_lazy("escrow transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="escrow_transfer_amount_positive"),
            models.UniqueConstraint(fields=["sender", "nonce"], name="escrow_transfer_one_per_nonce"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount_minor} to {self.to_address} ({self.checkout_id})"
