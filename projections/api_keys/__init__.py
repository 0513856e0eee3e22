"""The ``api_keys`` read model: service-account keys, never their secrets."""
