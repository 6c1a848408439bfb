"""The password hasher: Argon2id with OWASP's recommended minimum profile (docs/security.md, "Passwords").

OWASP Password Storage Cheat Sheet (https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html):
"Use Argon2id with a minimum configuration of 19 MiB of memory, an iteration count of 2, and 1 degree of
parallelism." Django's default (100 MiB, 2 iterations, 8 lanes) made each sign-in hold ~100 MiB in the
worker and cost ~1 s on two busy cores; this profile costs 19 MiB and about a sixth of the time.

The algorithm name stays "argon2", so hashes made with Django's default parameters still verify, and
Django re-hashes them with these parameters at the user's next sign-in (must_update compares them).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB: 19 MiB
    parallelism = 1
