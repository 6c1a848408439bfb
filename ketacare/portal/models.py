from django.db import models

# After this many wrong dates of birth a portal link stops working; the clinic sends a new one.
WRONG_DATES_OF_BIRTH_BEFORE_LOCK = 5


class LinkDateOfBirthCheck(models.Model):
    """How often a portal link (an activation invitation, a self-registration link) was used with a
    wrong date of birth. The date of birth is the second thing a link's holder must know besides the
    link; counting wrong guesses and locking the link after WRONG_DATES_OF_BIRTH_BEFORE_LOCK stops
    someone who found a forwarded email from trying dates until one fits. Keyed by the SHA-256 of the
    link's secret, like the invitation itself: the secret is never stored. A new link starts afresh."""

    link_sha256 = models.CharField(max_length=64, unique=True)
    wrong_dates_of_birth = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.link_sha256[:8]}… {self.wrong_dates_of_birth} wrong"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None
