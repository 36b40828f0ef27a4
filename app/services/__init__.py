"""The service layer: every user action is one function and one database transaction.

The JSON API, the CLI and (later) the web pages call these functions and nothing below them, so the
rules (roles, claims, the mandatory-review guard, separation of duties, records) hold for every client.
"""
