"""The ``assistance_requests`` read model: each request for assistance, what is committed to it, in
transit and delivered."""
