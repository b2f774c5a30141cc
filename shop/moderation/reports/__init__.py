"""Reports on anything, the trust rule that weighs them, the automatic take-down, and staff decisions on cases."""
