from django.core.validators import RegexValidator

phone_validator = RegexValidator(r"^\+?[0-9 ()-]{7,20}$", "Enter a phone number such as +254 712 345 678.")
