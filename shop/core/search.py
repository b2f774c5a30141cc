"""What a search box may ask of the database: one rule for every search (products, stores,
the dashboard's lists, the admin). A query is cut to SEARCH_MAX_LENGTH characters and its
first SEARCH_MAX_WORDS distinct words, so no visitor can make a query's cost grow with the
words they type (fifty one-letter words used to mean a hundred joins)."""

SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 8


def search_words(raw) -> list[str]:
    """The distinct words (case-insensitively) of a search, at most SEARCH_MAX_WORDS of them,
    from its first SEARCH_MAX_LENGTH characters."""
    words: list[str] = []
    seen: set[str] = set()
    for word in str(raw or "")[:SEARCH_MAX_LENGTH].split():
        if word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
            if len(words) == SEARCH_MAX_WORDS:
                break
    return words


def search_text(raw) -> str:
    """The search as one string within the same limits (for a single whole-text match)."""
    return " ".join(search_words(raw))
