"""Identity: who a caller is (tokens, API keys of service accounts, authentication) and what the
access policy lets them do."""
