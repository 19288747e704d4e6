"""The backend's ClearKey license service: content keys from the library's ``keys.json`` (loaded
into the store at start-up), the W3C EME ClearKey messages, and the playback-token checks.

The HTTP side is :mod:`server.routes.license`. Like the rest of the backend this shares no code
with the client: the message format is implemented here again, from the specification.
"""
