"""Identity: accounts, credentials, sessions (JWT), profiles and addresses."""
