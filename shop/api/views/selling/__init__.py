"""The seller's part of the API under /api/v1/seller/: the dashboard's pages as endpoints,
one module per section (stores and team, products, orders, money, promotions). Every
endpoint finds its store, listing or order through the dashboard's own access selectors
(another store's is a 404), and every write goes through the dashboard's gate
(``SellerView``)."""
