"""Reading auctions: the pages, and the rules of bidding (``bidding``)."""
