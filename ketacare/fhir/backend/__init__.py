"""SMART Backend Services: clients a clinic registers (their public keys), and the client-credentials token
they obtain with a signed JWT assertion (`token.client_credentials_token`, called by /fhir/auth/token)."""
