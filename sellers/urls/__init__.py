"""The app's URL confs: the seller dashboard (``dashboard``, namespace "sellers", under
/dashboard/) and the public store pages (``public``, namespace "stores")."""
