"""`dialoog ballots …` and `dialoog workshops …`: staff commands against a running server.

They go through the public HTTP API, never the database, so every change is announced by
the server's broker and reaches every connected screen at once, like a click in the browser.
"""
