from ketacare.consultations.guard import SignedRowLock

SIGNED_LETTERS = SignedRowLock(
    table="reports_referralletter",
    trigger="referral_letter_signed_locked",
    columns=(
        "letterhead_name",
        "letterhead_address",
        "letterhead_phone",
        "recipient_name",
        "recipient_address",
        "body",
        "status",
        "signed_by_id",
        "signed_at",
    ),
)
