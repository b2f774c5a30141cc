"""The demo's fixed tables that both the seeding (``shop.demo.services``) and its summary
(``shop.demo.selectors``) read: which accounts and which stores are the demo's."""

# Every demo account, and nobody else, has an address at this domain.
DEMO_EMAIL_DOMAIN = "soko.test"

# slug: (owner email, name, phone, area, latitude, longitude, delivery scopes, verified)
STORES = {
    "mama-njeri-crafts": ("seller@soko.test", "Mama Njeri Crafts", "+254 712 345 678", "Westlands, Nairobi",
                          "-1.267600", "36.810800", {"local", "national"}, True),
    "kaloum-electronique": ("seller2@soko.test", "Kaloum Électronique", "+224 622 12 34 56", "Kaloum, Conakry",
                            "9.509200", "-13.712200", {"local", "international"}, True),
    "nyali-fresh-market": ("seller@soko.test", "Nyali Fresh Market", "+254 722 555 010", "Nyali, Mombasa",
                           "-4.043500", "39.709700", {"local"}, False),
    "kilimani-fixit": ("seller@soko.test", "Kilimani Fixit", "+254 701 222 333", "Kilimani, Nairobi",
                       "-1.290600", "36.783100", {"local", "digital"}, True),
    "madina-mode": ("seller2@soko.test", "Madina Mode", "+224 620 00 11 22", "Madina, Conakry",
                    "9.544700", "-13.675200", {"local", "national", "international"}, False),
    "anarkali-karigar": ("seller3@soko.test", "Anarkali Karigar", "+92 300 123 4567", "Lahore, Punjab",
                         "31.567800", "74.310600", {"local", "national"}, True),
    "saddar-spice-house": ("seller3@soko.test", "Saddar Spice House", "+92 321 765 4321", "Karachi, Sindh",
                           "24.855000", "67.020800", {"local"}, False),
}
