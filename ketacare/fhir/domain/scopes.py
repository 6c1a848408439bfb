"""SMART App Launch scopes (v2, with the v1 `.read` forms): parsed into a grant that says which resource types
may be read or searched, and in which context (one patient's compartment, the user's own access, a system).

http://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html. Only reading is served, so of the v2
interactions (c r u d s) only `r` (read) and `s` (search) grant anything here; a scope that asks to change
records is refused rather than shown to the user as something it is not.
"""

import re
from dataclasses import dataclass, replace
from enum import StrEnum


class ScopeContext(StrEnum):
    PATIENT = "patient"  # the launched patient's compartment only
    USER = "user"  # whatever the signed-in user may read
    SYSTEM = "system"  # a backend client: as `user` for its service account


READ = "r"
SEARCH = "s"
SERVED_INTERACTIONS = frozenset({READ, SEARCH})
# v1 suffixes: `.read` is read and search; `.write` and `.*` ask for changes, which are not served.
V1_INTERACTIONS = {"read": frozenset({READ, SEARCH})}
V2_ORDER = "cruds"

LAUNCH_PATIENT = "launch/patient"
OFFLINE_ACCESS = "offline_access"
ONLINE_ACCESS = "online_access"
# OpenID Connect (SMART's sso-openid-connect): an id_token naming the user, with `fhirUser`, their FHIR
# resource, and with `profile`, their name. Served only where a signing key is configured (fhir/smart/).
OPENID = "openid"
FHIR_USER = "fhirUser"
PROFILE = "profile"
IDENTITY_SCOPES = frozenset({OPENID, FHIR_USER, PROFILE})
# Scopes without a resource that this server grants.
CONTEXT_SCOPES = frozenset({LAUNCH_PATIENT, OFFLINE_ACCESS, ONLINE_ACCESS}) | IDENTITY_SCOPES

_RESOURCE_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)$")


class ScopeError(ValueError):
    """A scope this server does not know or does not grant; the message names it."""


@dataclass(frozen=True)
class ResourceScope:
    context: ScopeContext
    resource_type: str  # a FHIR type name, or "*" for every type
    interactions: frozenset[str]  # of SERVED_INTERACTIONS

    def covers(self, other: "ResourceScope") -> bool:
        """True when this scope grants at least what `other` asks for."""
        return (
            self.context == other.context
            and self.resource_type in ("*", other.resource_type)
            and other.interactions <= self.interactions
        )

    def allows(self, resource_type: str, interaction: str) -> bool:
        return self.resource_type in ("*", resource_type) and interaction in self.interactions


def parse_resource_scope(text: str) -> ResourceScope | None:
    """The resource scope `text` spells; None when it is not a resource scope; ScopeError when it asks for
    something this server cannot grant."""
    match = _RESOURCE_SCOPE.match(text)
    if match is None:
        return None
    context, resource_type, suffix = match.groups()
    if suffix in V1_INTERACTIONS:
        interactions = V1_INTERACTIONS[suffix]
    elif suffix in ("write", "*"):
        raise ScopeError(f"{text}: this server only reads; ask for {context}/{resource_type}.rs or .read")
    else:
        letters = [letter for letter in V2_ORDER if letter in suffix]
        if "".join(letters) != suffix:
            raise ScopeError(f"{text}: the interactions must be letters of 'cruds' in that order")
        if set(suffix) - SERVED_INTERACTIONS:
            raise ScopeError(f"{text}: this server only reads (r) and searches (s)")
        interactions = frozenset(suffix)
    return ResourceScope(ScopeContext(context), resource_type, interactions)


@dataclass(frozen=True)
class SmartGrant:
    """What an authorization grants: its resource scopes, the context scopes, and (once launched) the patient."""

    resource_scopes: tuple[ResourceScope, ...]
    context_scopes: frozenset[str]
    patient_id: int | None = None  # the launched patient (staff) or the patient user's own record

    def allows(self, resource_type: str, interaction: str) -> bool:
        return any(scope.allows(resource_type, interaction) for scope in self.resource_scopes)

    def compartment_only(self, resource_type: str | None = None, interaction: str = READ) -> bool:
        """True when reading `resource_type` (any type when None) is granted only by patient-context scopes,
        so the reader sees the launched patient's compartment and nothing else."""
        granting = [
            scope for scope in self.resource_scopes if resource_type is None or scope.allows(resource_type, interaction)
        ]
        return bool(granting) and all(scope.context == ScopeContext.PATIENT for scope in granting)

    @property
    def asks_for_patient(self) -> bool:
        """The grant needs a patient chosen at launch: `launch/patient` or a patient-context scope."""
        return LAUNCH_PATIENT in self.context_scopes or any(
            scope.context == ScopeContext.PATIENT for scope in self.resource_scopes
        )

    @property
    def refresh_allowed(self) -> bool:
        return bool({OFFLINE_ACCESS, ONLINE_ACCESS} & self.context_scopes)

    @property
    def online_only(self) -> bool:
        """Refreshes only while the user who authorized it is still signed in: `online_access` without
        `offline_access` (SMART App Launch 2, scopes and launch context: "usable for as long as the end-user
        remains online")."""
        return ONLINE_ACCESS in self.context_scopes and OFFLINE_ACCESS not in self.context_scopes

    def with_patient(self, patient_id: int | None) -> "SmartGrant":
        return replace(self, patient_id=patient_id)


def parse_scopes(text: str) -> SmartGrant:
    """The grant a space-separated scope string asks for; ScopeError naming the first scope not granted here."""
    resource_scopes: list[ResourceScope] = []
    context_scopes: set[str] = set()
    for word in text.split():
        resource_scope = parse_resource_scope(word)
        if resource_scope is not None:
            resource_scopes.append(resource_scope)
        elif word in CONTEXT_SCOPES:
            context_scopes.add(word)
        else:
            raise ScopeError(f"{word}: not a scope this server grants (see scopes_supported)")
    return SmartGrant(tuple(resource_scopes), frozenset(context_scopes))


def within(requested: str, allowed: str) -> bool:
    """True when every scope of `requested` is covered by one of `allowed` (an app's registered scopes);
    ScopeError for a scope not granted here at all."""
    asked, permitted = parse_scopes(requested), parse_scopes(allowed)
    if not asked.context_scopes <= permitted.context_scopes:
        return False
    return all(any(p.covers(scope) for p in permitted.resource_scopes) for scope in asked.resource_scopes)


_CONTEXT_WORDS = {
    ScopeContext.PATIENT: "of the patient you choose",
    ScopeContext.USER: "that you may see",
    ScopeContext.SYSTEM: "of the whole clinic that this service account may see",
}
_INTERACTION_WORDS = {
    frozenset({READ, SEARCH}): "Read and search",
    frozenset({READ}): "Read",
    frozenset({SEARCH}): "Search",
}
_CONTEXT_SCOPE_WORDS = {
    LAUNCH_PATIENT: "Know which patient you chose when it starts",
    OFFLINE_ACCESS: "Keep access after you close the app, until you or the clinic revoke it",
    ONLINE_ACCESS: "Keep access while you stay signed in here (signing out ends it)",
    OPENID: "Know who you are: your KetaCare sign-in confirms it to the app",
    FHIR_USER: "Know which record is yours: your staff profile, or your own record if you are a patient",
    PROFILE: "See your name",
}


def describe(scope: str) -> str:
    """One scope in plain words, for the consent screen."""
    if scope in _CONTEXT_SCOPE_WORDS:
        return _CONTEXT_SCOPE_WORDS[scope]
    resource_scope = parse_resource_scope(scope)
    if resource_scope is None:
        return scope
    what = "all records" if resource_scope.resource_type == "*" else f"{resource_scope.resource_type} records"
    verb = _INTERACTION_WORDS.get(resource_scope.interactions, "Read")
    return f"{verb} {what} {_CONTEXT_WORDS[resource_scope.context]}"
