"""The returns app has no models: returns and refunds are designed in docs/ARCHITECTURE.md."""
