from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketacare.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and two-factor authentication"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from ketacare.accounts import signals  # noqa: F401  (login/logout audit)
        from ketacare.accounts.invitations import invitation_still_wanted
        from ketacare.accounts.sessions import remove_expired_sessions
        from ketacare.lib.housekeeping import register_housekeeping
        from ketacare.outbox.hooks import register_delivery_check
        from ketacare.outbox.models import MailKind

        post_migrate.connect(_create_cache_table, sender=self)
        register_delivery_check(MailKind.INVITATION, invitation_still_wanted)
        register_housekeeping(remove_expired_sessions)


def _create_cache_table(using: str, **kwargs) -> None:
    # The database cache (shared rate limits) needs its table; `migrate` makes it.
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
