"""Why a sign-in did not happen; the filter and the sign-in page map each to its answer."""


class SignInRefused(Exception):
    """Credentials that do not sign anyone in; the message is the same for every cause."""


class BadCredentials(SignInRefused):
    def __init__(self):
        super().__init__("The user name or password is wrong")


class InvalidToken(SignInRefused):
    def __init__(self):
        super().__init__("The token is unknown, revoked or expired")


class Throttled(SignInRefused):
    def __init__(self, retry_after):
        self.retry_after = retry_after
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} seconds")


class SignInBusy(Exception):
    """Every password-hashing slot is taken; the caller should retry, nothing was checked."""

    def __init__(self, retry_after=1):
        self.retry_after = retry_after
        super().__init__(f"Too many sign-ins are being checked at once; try again in {retry_after} seconds")


class SignInUnavailable(Exception):
    """The database or Redis cannot be reached, so nobody can be checked; the caller should retry."""

    def __init__(self, retry_after=5):
        self.retry_after = retry_after
        super().__init__(f"Sign-in is unavailable for a moment; try again in {retry_after} seconds")
