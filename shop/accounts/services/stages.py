from allauth.account.stages import EmailVerificationStage


class SignupEmailVerificationStage(EmailVerificationStage):
    """Sign-up waits for the code mailed to the address, so an address that already has an
    account gets the same answer as a new one (that owner is mailed instead); logging in to
    an existing account asks for no code."""

    def handle(self):
        if not self.login.signup:
            return None, True
        return super().handle()
