from django.core.management.base import BaseCommand, CommandError

from shop.chain.node import ChainNotConfigured, ChainUnavailable
from shop.chain.services.deploy import chain_deploy
from shop.chain.services.transactions import ContractRefused, TransactionPending


class Command(BaseCommand):
    help = (
        "Deploys Soko's escrow contract on the node at SOKO_ETH_RPC_URL from SOKO_ETH_PLATFORM_KEY (the platform "
        "releases and refunds with that key), and the test stablecoin first when SOKO_ETH_TOKEN_ADDRESS is empty. "
        "Prints the settings to use."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mint",
            action="append",
            default=[],
            metavar="ADDRESS",
            help="give this address test stablecoins (repeatable)",
        )
        parser.add_argument(
            "--mint-minor",
            type=int,
            default=1_000_000_000,
            help="how many, in the token's minor units (default 1000000000: 1,000 tUSD)",
        )

    def handle(self, *args, mint, mint_minor, **options):
        if mint_minor <= 0:
            raise CommandError("--mint-minor must be a positive number of minor units.")
        try:
            deployed = chain_deploy(mint_to=mint, mint_minor=mint_minor)
        except (ChainNotConfigured, ChainUnavailable, ContractRefused, TransactionPending, ValueError) as error:
            raise CommandError(str(error)) from error
        for name, value in deployed.items():
            self.stdout.write(f"{name}={value}")
