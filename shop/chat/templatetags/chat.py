from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def unread_of(conversation, side: str) -> int:
    """The conversation's unread count for ``side`` (buyer or team)."""
    return conversation.unread_for(side)


@register.filter
def chat_when(moment) -> str:
    """A time today, else a short date: how a messenger dates its rows."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return date_format(local, "TIME_FORMAT")
    return date_format(local, "SHORT_DATE_FORMAT")


@register.filter
def read_by_other(message, conversation) -> bool:
    """The other side has read this message (it was sent before their last read)."""
    other = "team" if message.side == "buyer" else "buyer"
    return message.seq <= conversation.read_seq_of(other)


@register.filter
def other_read_seq(conversation, side: str) -> int:
    """How far the side opposite ``side`` has read."""
    return conversation.read_seq_of("team" if side == "buyer" else "buyer")


@register.filter
def other_seen_at(conversation, side: str):
    return conversation.seen_at_of("team" if side == "buyer" else "buyer")
